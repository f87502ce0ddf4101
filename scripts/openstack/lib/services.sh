# The OpenStack services: their databases, then each service in the order they need one another.
# Sourced by scripts/openstack-dev after common.sh, configs.sh and infra.sh.

# Background setup steps, each logged to logs/setup-<name>.log; wait_jobs fails if any failed.
JOBS=()
job() {  # name cmd...
  local name=$1; shift
  # The step runs under `set -e` in a subshell of its own, so its first failing command ends it.
  ( set +e; t=$(now); ( set -e; "$@" ); rc=$?; echo "JOBTIME $(since "$t")s rc=$rc"; exit $rc ) \
    > "$LOGS/setup-$name.log" 2>&1 &
  JOBS+=("$!:$name")
}
wait_jobs() {
  local entry failed=0
  for entry in "${JOBS[@]}"; do
    if ! wait "${entry%%:*}"; then
      echo "setup step ${entry#*:} failed, see $LOGS/setup-${entry#*:}.log"
      tail -20 "$LOGS/setup-${entry#*:}.log"
      failed=1
    fi
    note "  ${entry#*:}: $(sed -n 's/^JOBTIME //p' "$LOGS/setup-${entry#*:}.log")"
  done
  JOBS=()
  [ $failed = 0 ] || fail "database setup failed"
}

# The databases: restored from the cache (dbcache.sh), or made by the services' own setup, then cached.
start_databases() {  # 1 when restored
  if [ "$1" = 1 ]; then
    start_mariadb
    wait_mariadb
    note "databases restored from the cache"
    return
  fi
  init_mariadb
  start_mariadb
  wait_mariadb
  create_databases
  note "mariadb up, databases created"
  setup_databases
  stop_process mariadb 30 > /dev/null  # a consistent copy of its files
  save_databases
  start_mariadb
  wait_mariadb
  note "databases cached for the next bring-ups"
}

keystone_setup() {
  local km=(keystone-manage --config-file "$ETC/keystone/keystone.conf")
  "${km[@]}" db_sync
  "${km[@]}" fernet_setup --keystone-user root --keystone-group root
  "${km[@]}" credential_setup --keystone-user root --keystone-group root
  "${km[@]}" bootstrap --bootstrap-password "$ADMIN_PASSWORD" --bootstrap-region-id RegionOne \
    --bootstrap-admin-url "$KEYSTONE_URL/v3/" --bootstrap-internal-url "$KEYSTONE_URL/v3/" \
    --bootstrap-public-url "$KEYSTONE_URL/v3/"
}

nova_setup() {
  local nm=(nova-manage --config-file "$ETC/nova/nova.conf")
  "${nm[@]}" api_db sync
  "${nm[@]}" cell_v2 map_cell0 --database_connection "$DB_URL/nova_cell0?charset=utf8mb4"
  "${nm[@]}" cell_v2 create_cell --name cell1
  "${nm[@]}" db sync
}

neutron_setup() {
  # neutron's migrations take about a minute: build the schema from its models (as its own tests
  # do), then stamp it as migrated.
  python "$SRC/setup/neutron_schema.py" "$DB_URL/neutron?charset=utf8mb4"
  neutron-db-manage --config-file "$ETC/neutron/neutron.conf" \
    --config-file "$ETC/neutron/plugins/ml2/ml2_conf.ini" stamp heads
}

setup_databases() {
  local t; t=$(now)
  job keystone keystone_setup
  job glance glance-manage --config-file "$ETC/glance/glance-api.conf" db_sync
  job placement placement-manage --config-file "$ETC/placement/placement.conf" db sync
  job nova nova_setup
  job neutron neutron_setup
  job cinder cinder-manage --config-file "$ETC/cinder/cinder.conf" db sync
  wait_jobs
  note "databases synced + keystone bootstrapped: $(since "$t")s (in parallel)"
}

start_keystone() {
  start_process keystone uwsgi --ini "$ETC/keystone-uwsgi.ini"
  wait_process keystone 120 http_answers "$KEYSTONE_URL/v3/"
  note "keystone answering"
  python "$SRC/setup/register_services.py" > "$LOGS/setup-register.log" 2>&1 \
    || { cat "$LOGS/setup-register.log"; fail "registering the services in keystone failed"; }
  note "service users + catalog registered"
}

start_services() {
  start_process placement uwsgi --ini "$ETC/placement-uwsgi.ini"
  start_process glance uwsgi --ini "$ETC/glance-uwsgi.ini"
  start_process neutron-api uwsgi --ini "$ETC/neutron-api-uwsgi.ini"
  start_process cinder-api uwsgi --ini "$ETC/cinder-api-uwsgi.ini"
  # The volume service before the scheduler: the scheduler asks the running volume services for
  # their capacity when it starts, and otherwise waits a minute for their periodic report.
  start_process cinder-volume cinder-volume --config-file "$ETC/cinder/cinder.conf"
  start_process nova-conductor nova-conductor --config-file "$ETC/nova/nova.conf"
  start_process nova-scheduler nova-scheduler --config-file "$ETC/nova/nova.conf"
  start_process nova-api uwsgi --ini "$ETC/nova-api-uwsgi.ini"
  # nova-compute registers its resource provider in placement as it starts.
  wait_process placement 120 http_answers "http://127.0.0.1:$PLACEMENT_PORT/"
  start_process nova-compute nova-compute-fakesnap --config-file "$ETC/nova/nova.conf"
  local name process
  for name in glance neutron nova cinder; do
    process=$name; [ "$name" = glance ] || process=$name-api
    wait_process "$process" 180 http_answers "http://127.0.0.1:$(port "$name")/"
    note "$name answering"
  done
  python "$SRC/setup/wait_service.py" cinder-volume 120
  start_process cinder-scheduler cinder-scheduler --config-file "$ETC/cinder/cinder.conf"
}

seed() {
  local t; t=$(now)
  NOVA_CONF=$ETC/nova/nova.conf CINDER_CONF=$ETC/cinder/cinder.conf \
    python "$SRC/setup/seed.py" "$STATE_DIR/cloud.json" 2>&1 | tee "$LOGS/setup-seed.log"
  [ "${PIPESTATUS[0]}" = 0 ] || fail "seeding failed"
  note "seeded: $(since "$t")s"
}
