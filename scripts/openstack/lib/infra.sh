# What the OpenStack services stand on: Debian packages, MariaDB and RabbitMQ, run by hand on 127.0.0.1.
# Sourced by scripts/openstack-dev after common.sh and configs.sh.

DEBIAN_PACKAGES=(mariadb-server rabbitmq-server curl gettext-base zstd)

ensure_packages() {
  local missing=() pkg t
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  t=$(now)
  local sudo="" made_policy=0
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  # apt must not start these system-wide (on 0.0.0.0): we run our own instances.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d > /dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  compgen -G "/var/lib/apt/lists/*_Packages" > /dev/null || $sudo apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
    "${missing[@]}" > "$LOGS/apt-install.log" 2>&1 || { tail -20 "$LOGS/apt-install.log"; fail "apt-get install failed"; }
  [ "$made_policy" = 1 ] && $sudo rm -f /usr/sbin/policy-rc.d
  note "apt-get install ${missing[*]}: $(since "$t")s"
}

MYSQL() { mariadb --no-defaults --socket="$RUN/mysqld.sock" "$@"; }

init_mariadb() {
  mkdir -p "$DATA/mysql"
  mariadb-install-db --no-defaults --user=root --datadir="$DATA/mysql" \
    --auth-root-authentication-method=socket --skip-test-db > "$LOGS/mariadb-install.log" 2>&1 \
    || fail "mariadb-install-db failed, see $LOGS/mariadb-install.log"
}

start_mariadb() {
  # Durability off: throwaway test data.
  start_process mariadb mariadbd --no-defaults --user=root --datadir="$DATA/mysql" \
    --socket="$RUN/mysqld.sock" --pid-file="$DATA/mysqld.pid" \
    --bind-address=127.0.0.1 --port="$DB_PORT" --skip-name-resolve --log-error="$LOGS/mysqld.log" \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --skip-log-bin \
    --innodb-buffer-pool-size=128M --innodb-log-file-size=32M --max-connections=1000 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
}

wait_mariadb() { wait_process mariadb 60 MYSQL -e 'select 1'; }

create_databases() {
  MYSQL -e "CREATE USER 'os'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD'; GRANT ALL ON *.* TO 'os'@'127.0.0.1';
    CREATE DATABASE keystone; CREATE DATABASE glance; CREATE DATABASE placement; CREATE DATABASE neutron;
    CREATE DATABASE nova_api; CREATE DATABASE nova_cell0; CREATE DATABASE nova_cell1; CREATE DATABASE cinder;"
}

start_rabbitmq() {
  # Our own epmd, in the foreground under our own process group (one that erl daemonises could not be stopped).
  ( . "$ETC/rabbitmq/env.sh"; start_process epmd epmd -address 127.0.0.1 -port "$EPMD_PORT" )
  wait_process epmd 30 port_listens "$EPMD_PORT"
  ( . "$ETC/rabbitmq/env.sh"; start_process rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server )
}

wait_rabbitmq() {
  # The AMQP listener opens last, once the node has booted.
  wait_process rabbitmq 120 port_listens "$RABBIT_PORT"
  # The services' own notification queues (<topic>.<priority>) fill up when nothing reads them, as here where
  # each cloudgate feed has a queue of its own: keep the last 10 minutes, at most 10,000 messages each.
  ( . "$ETC/rabbitmq/env.sh"; /usr/lib/rabbitmq/bin/rabbitmqctl -q set_policy --apply-to queues notifications \
      '^(versioned_)?notifications\.' '{"message-ttl": 600000, "max-length": 10000}' ) > /dev/null
}
