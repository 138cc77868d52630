# Sourced by scripts that run podman: a project-local podman configuration for this machine kind
# (runtime runc, cgroupfs, the vfs storage driver, rlimits no higher than the session's own, since
# raising them needs CAP_SYS_RESOURCE), through CONTAINERS_CONF and CONTAINERS_STORAGE_CONF.
# A user's own podman or docker needs none of this.
_podman_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target/podman"
mkdir -p "$_podman_dir"
_nofile=$(ulimit -Sn); [ "$_nofile" = unlimited ] && _nofile=4096
_nproc=$(ulimit -Su); { [ "$_nproc" = unlimited ] || [ "$_nproc" -gt 4096 ]; } && _nproc=4096
cat > "$_podman_dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$_nofile:$_nofile", "nproc=$_nproc:$_nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
cat > "$_podman_dir/storage.conf" <<CONF
[storage]
driver = "vfs"
runroot = "$_podman_dir/run"
graphroot = "$_podman_dir/storage"
CONF
export CONTAINERS_CONF="$_podman_dir/containers.conf"
export CONTAINERS_STORAGE_CONF="$_podman_dir/storage.conf"
unset _podman_dir _nofile _nproc
