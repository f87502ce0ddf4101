# Every config file of the deployment, rendered from scripts/openstack/etc/ into $ETC.
# Sourced by scripts/openstack-dev after common.sh; needs VENV and the secrets loaded.

export_settings() {
  export STATE_DIR ETC DATA LOGS RUN VENV SERVICE_PASSWORD
  KEYSTONE_PORT=$(port keystone) GLANCE_PORT=$(port glance) PLACEMENT_PORT=$(port placement)
  NOVA_PORT=$(port nova) NEUTRON_PORT=$(port neutron) CINDER_PORT=$(port cinder)
  RABBIT_PORT=$(port rabbitmq) RABBIT_DIST_PORT=$(port rabbitmq-dist) EPMD_PORT=$(port epmd) DB_PORT=$(port mariadb)
  export KEYSTONE_PORT GLANCE_PORT PLACEMENT_PORT NOVA_PORT NEUTRON_PORT CINDER_PORT
  export RABBIT_PORT RABBIT_DIST_PORT EPMD_PORT DB_PORT
  export KEYSTONE_URL=http://127.0.0.1:$KEYSTONE_PORT
  export DB_URL=mysql+pymysql://os:$DB_PASSWORD@127.0.0.1:$DB_PORT
  export RABBIT_URL=rabbit://guest:guest@127.0.0.1:$RABBIT_PORT/
  # How a service authenticates to keystone as its own user (each file adds `username`).
  SERVICE_AUTH="auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
password = $SERVICE_PASSWORD
region_name = RegionOne"
  # Tokens are validated by keystone on every request: a revoked token is refused at once
  # (cloudgate's tests revoke a driver's token to see it renewed).
  AUTHTOKEN="www_authenticate_uri = $KEYSTONE_URL
token_cache_time = -1
$SERVICE_AUTH"
  export SERVICE_AUTH AUTHTOKEN
}

TEMPLATE_VARS='${STATE_DIR} ${ETC} ${DATA} ${LOGS} ${RUN} ${VENV} ${DB_URL} ${RABBIT_URL} ${KEYSTONE_URL}
  ${GLANCE_PORT} ${RABBIT_PORT} ${RABBIT_DIST_PORT} ${EPMD_PORT} ${AUTHTOKEN} ${SERVICE_AUTH}'

render() {  # template (in scripts/openstack/etc) -> destination
  mkdir -p "$(dirname "$2")"
  envsubst "$TEMPLATE_VARS" < "$SRC/etc/$1" > "$2"
}

write_uwsgi_ini() {  # name port module [extra ini lines...]
  local name=$1 port=$2 module=$3; shift 3
  {
    echo "[uwsgi]"
    echo "http-socket = 127.0.0.1:$port"
    echo "module = $module"
    echo "virtualenv = $VENV"
    echo "master = true"
    echo "processes = 1"
    echo "threads = 4"
    echo "lazy-apps = true"
    echo "die-on-term = true"
    echo "enable-threads = true"
    echo "buffer-size = 65535"
    # uwsgi's plain http-socket closes the connection after each answer without saying so:
    # say it, or python-requests reuses the socket and gets "connection reset".
    echo "add-header = Connection: close"
    echo "hook-master-start = unix_signal:15 gracefully_kill_them_all"
    echo "logto = $LOGS/$name-uwsgi.log"
    printf '%s\n' "$@"
  } > "$ETC/$name-uwsgi.ini"
}

write_configs() {
  mkdir -p "$DATA"/glance/{images,staging,tasks,cache,locks} "$DATA"/neutron/locks "$DATA"/nova/{instances,locks} \
    "$DATA"/cinder/locks "$DATA"/rabbitmq "$LOGS"/rabbitmq "$ETC"/{keystone,glance,placement,neutron/plugins/ml2,nova,cinder,rabbitmq}

  render keystone.conf "$ETC/keystone/keystone.conf"
  render glance-api.conf "$ETC/glance/glance-api.conf"
  sed "s#/etc/glance/healthcheck_disable#$DATA/glance/healthcheck_disable#" \
    "$VENV/etc/glance/glance-api-paste.ini" > "$ETC/glance/glance-api-paste.ini"
  render placement.conf "$ETC/placement/placement.conf"
  render neutron.conf "$ETC/neutron/neutron.conf"
  render ml2_conf.ini "$ETC/neutron/plugins/ml2/ml2_conf.ini"
  cp "$VENV/etc/neutron/api-paste.ini" "$ETC/neutron/"
  render nova.conf "$ETC/nova/nova.conf"
  printf '[DEFAULT]\nlog_file = %s\n' "$LOGS/nova-api.log" > "$ETC/nova/nova-api.conf"
  cp "$VENV/etc/nova/api-paste.ini" "$ETC/nova/"
  render cinder.conf "$ETC/cinder/cinder.conf"
  cp "$VENV/etc/cinder/api-paste.ini" "$VENV/etc/cinder/resource_filters.json" "$ETC/cinder/"
  render rabbitmq.conf "$ETC/rabbitmq/rabbitmq.conf"
  render rabbitmq-env.sh "$ETC/rabbitmq/env.sh"
  echo '[].' > "$ETC/rabbitmq/enabled_plugins"

  write_uwsgi_ini keystone "$KEYSTONE_PORT" keystone.wsgi.api:application "env = OS_KEYSTONE_CONFIG_DIR=$ETC/keystone"
  write_uwsgi_ini glance "$GLANCE_PORT" glance.wsgi.api:application "env = OS_GLANCE_CONFIG_DIR=$ETC/glance" \
    "http-auto-chunked = true" "http-raw-body = true" "chunked-input-limit = 4096000" "socket-timeout = 60"
  write_uwsgi_ini placement "$PLACEMENT_PORT" placement.wsgi.api:application "env = OS_PLACEMENT_CONFIG_DIR=$ETC/placement"
  write_uwsgi_ini neutron-api "$NEUTRON_PORT" neutron.wsgi.api:application "env = OS_NEUTRON_CONFIG_DIR=$ETC/neutron"
  # nova reads the files of OS_NOVA_CONFIG_FILES in order, and the paste ini must come first.
  write_uwsgi_ini nova-api "$NOVA_PORT" nova.wsgi.osapi_compute:application \
    "env = OS_NOVA_CONFIG_DIR=$ETC/nova" "env = OS_NOVA_CONFIG_FILES=api-paste.ini;nova.conf;nova-api.conf"
  # cinder's WSGI module has no config-dir variable: it reads its command line.
  write_uwsgi_ini cinder-api "$CINDER_PORT" cinder.wsgi.api:application \
    "pyargv = --config-file $ETC/cinder/cinder.conf --log-file $LOGS/cinder-api.log"

  write_clouds_yaml
}

# clouds.yaml for the `openstack` CLI and openstacksdk: the admin, and each test project's user.
write_clouds_yaml() {
  mkdir -p "$ETC/openstack"
  ( umask 077
    cat > "$ETC/openstack/clouds.yaml" <<EOF
clouds:
  admin:
    auth: {auth_url: $KEYSTONE_URL/v3, username: admin, password: $ADMIN_PASSWORD, project_name: admin,
           user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    identity_api_version: 3
  alice:
    auth: {auth_url: $KEYSTONE_URL/v3, username: alice, password: $ALICE_PASSWORD, project_name: project-a,
           user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    identity_api_version: 3
  bob:
    auth: {auth_url: $KEYSTONE_URL/v3, username: bob, password: $BOB_PASSWORD, project_name: project-b,
           user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    identity_api_version: 3
EOF
  )
}
