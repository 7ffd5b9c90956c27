// The built-in networks: layer graphs with the exact shapes of the models.
//
// ImageNet models of the ReShare paper (AlexNet, VGG16, ResNet50, GoogLeNet) run with synthetic weights;
// face_recognition and ssd_mobilenetv1 (its MobileNetV1 backbone) are the graphs of @vladmandic/face-api,
// whose weight names and shapes match that package's manifests.
#pragma once

#include "reshare/models/graph.hpp"

#include <optional>
#include <string>
#include <vector>

namespace reshare::models {

struct ZooEntry {
    std::string name;
    std::string description;
    std::string manifest;   // file name in face-api's model/ folder; "" = synthetic weights
};

const std::vector<ZooEntry>& zoo();
const ZooEntry* find_zoo(const std::string& name);   // nullptr if not in the zoo
Graph zoo_graph(const std::string& name);            // throws reshare::Error for an unknown name

}  // namespace reshare::models
