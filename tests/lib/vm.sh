# Helpers shared by the VM test scripts (sourced, not run).
# How many nixdrill-* libvirt domains exist (the tests observe with virsh; the product never uses it).
domains() { virsh -c qemu:///system list --all --name 2>/dev/null | grep -c '^nixdrill-' || true; }
