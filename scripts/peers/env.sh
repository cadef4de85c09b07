# Sourced by the peer scripts and by .ci/run: where the private peers live. Everything stays under $STOWAGE_PEERS
# (default /tmp/stowage-peers): a dockerd on a unix socket there, a registry on a loopback port.
export STOWAGE_PEERS=${STOWAGE_PEERS:-/tmp/stowage-peers}
export STOWAGE_DOCKER_HOST=${STOWAGE_DOCKER_HOST:-unix://$STOWAGE_PEERS/docker/docker.sock}
export STOWAGE_REGISTRY=${STOWAGE_REGISTRY:-127.0.0.1:5123}
