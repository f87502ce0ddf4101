# The databases as the services' setup leaves them (schemas, keystone bootstrap, nova cells), with
# keystone's keys and the secrets they were made with, cached beside the venv: a later bring-up
# restores them in seconds instead of running every service's migrations (one to two minutes).
# Sourced by scripts/openstack-dev after common.sh and venv.sh.

# Everything that shapes the databases up to the copy: the venv, the port base, the config
# templates and the setup steps.
db_cache_key() {
  {
    echo "$VENV $PORT_BASE"
    cat "$SRC"/etc/* "$SRC"/lib/*.sh "$SRC/setup/neutron_schema.py"
  } | sha256sum | cut -c1-16
}

db_cache_file() { echo "$CACHE_DIR/databases-$(db_cache_key).tar.zst"; }

# Restores the cached databases into $DATA (and their secrets into the state dir); fails if none.
restore_databases() {
  local file; file=$(db_cache_file)
  [ -f "$file" ] || return 1
  tar -C "$STATE_DIR" --zstd -xf "$file"
  load_secrets
}

# Saves $DATA's databases and keys (mariadb must be stopped); keeps only this one.
save_databases() {
  local file; file=$(db_cache_file)
  tar -C "$STATE_DIR" --zstd -cf "$file.tmp" secrets.env data/mysql data/keystone-fernet-keys \
    data/keystone-credential-keys
  find "$CACHE_DIR" -maxdepth 1 -name 'databases-*.tar.zst' -delete
  mv "$file.tmp" "$file"
}
