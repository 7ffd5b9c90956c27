// Reading a YAML file the user gave: a missing file or a syntax error is one line naming the file (and the line).
#pragma once

#include "reshare/common/error.hpp"

#include <yaml-cpp/yaml.h>

#include <string>

namespace reshare {

// `what` names the kind of file in the message: "config", "sweep".
inline YAML::Node load_yaml_file(const std::string& path, const std::string& what) {
    try {
        return YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw Error(what + " " + path + ": cannot read the file");
    } catch (const YAML::Exception& e) {
        throw Error(what + " " + path + ": not valid YAML (" + e.msg + " at line " + std::to_string(e.mark.line + 1) + ")");
    }
}

}  // namespace reshare
