# The services' virtualenv: built once per lock-file hash in the cache dir, reused by every later run.
# Sourced by scripts/openstack-dev after common.sh.

LOCAL_PACKAGES=(ml2fake novafake)

# What decides the venv's content: the lock, the local packages' sources, the interpreter.
venv_key() {
  {
    cat "$SRC/requirements.lock"
    for package in "${LOCAL_PACKAGES[@]}"; do
      find "$SRC/$package" \( -name '*.py' -o -name pyproject.toml \) -not -path '*/build/*' -print0
    done | sort -z | xargs -0 cat
    "$PYTHON" -c 'import sys; print(sys.version)'
  } | sha256sum | cut -c1-16
}

# Sets VENV to a complete venv for this key, building it if needed (under a lock: CI jobs may race).
ensure_venv() {
  local key t
  key=$(venv_key)
  VENV=$CACHE_DIR/venv-$key
  [ -f "$VENV/.complete" ] && { note "services venv: cached ($VENV)"; return 0; }
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.build.lock"
  flock 9
  if [ ! -f "$VENV/.complete" ]; then
    t=$(now)
    rm -rf "$VENV"  # a build that stopped part-way
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "uv==$(sed -n 's/^uv==//p' "$SRC/requirements.lock")"
    # The local packages build from a copy: building leaves build/ and *.egg-info beside the sources.
    local sources; sources=$(mktemp -d)
    cp -r "${LOCAL_PACKAGES[@]/#/$SRC/}" "$sources/"
    UV_CACHE_DIR=$CACHE_DIR/uv "$VENV/bin/uv" pip install -q --python "$VENV/bin/python" \
      -r "$SRC/requirements.lock" "${LOCAL_PACKAGES[@]/#/$sources/}"
    rm -rf "$sources"
    touch "$VENV/.complete"
    # Venvs of earlier locks are of no more use.
    find "$CACHE_DIR" -maxdepth 1 -name 'venv-*' -not -name "venv-$key" -exec rm -rf {} +
    note "services venv: built in $(since "$t")s ($VENV)"
  fi
  flock -u 9
  exec 9>&-
}
