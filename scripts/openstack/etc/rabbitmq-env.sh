export HOME=${DATA}/rabbitmq
export RABBITMQ_CONF_ENV_FILE=${ETC}/rabbitmq/env.sh
export RABBITMQ_NODENAME=cloudgate-openstack@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=${RABBIT_PORT}
export RABBITMQ_DIST_PORT=${RABBIT_DIST_PORT}
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT=${EPMD_PORT}
export RABBITMQ_CONFIG_FILE=${ETC}/rabbitmq/rabbitmq.conf
export RABBITMQ_ENABLED_PLUGINS_FILE=${ETC}/rabbitmq/enabled_plugins
export RABBITMQ_MNESIA_BASE=${DATA}/rabbitmq/mnesia
export RABBITMQ_LOG_BASE=${LOGS}/rabbitmq
export RABBITMQ_LOGS=${LOGS}/rabbitmq/rabbit.log
export RABBITMQ_PID_FILE=${DATA}/rabbitmq/rabbitmq.pid
# Our own epmd runs (and is stopped) with the rest: the node must not start a daemonised one.
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false"
