///@file Choosing between KVM and TCG by really running a tiny KVM guest, with a deadline.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace nixdrill::vm {

enum class Accelerator { Tcg, Kvm };

/// "tcg" or "kvm".
std::string_view toString(Accelerator accelerator);

struct AcceleratorChoice {
    Accelerator accelerator = Accelerator::Tcg;
    /// Why: "KVM ran a test guest", "/dev/kvm: No such file or directory", "KVM_RUN hung", ...
    std::string reason;
};

struct AcceleratorOptions {
    /// The probe is abandoned (and TCG chosen) after this long.
    std::chrono::milliseconds timeout{std::chrono::seconds(3)};
    std::filesystem::path device{"/dev/kvm"};
    /// Where the CPU flags are read (vmx/svm); a test can point this elsewhere.
    std::filesystem::path cpuinfo{"/proc/cpuinfo"};
    /// Where loaded kernel modules appear (to name the KVM flavour in the reason).
    std::filesystem::path modules{"/sys/module"};
    /// Honour NIXDRILL_ACCELERATOR=kvm|tcg, which skips the probe.
    bool honourEnvironment = true;
};

/// Picks KVM only when it can run our stock guest kernels:
///  - the CPU must offer hardware virtualization (vmx or svm in cpuinfo). Some cloud hosts serve
///    /dev/kvm without it (kvm_pvm): tiny test guests run, but a stock kernel never boots
///    (measured here: QEMU loops in the firmware). That is TCG.
///  - /dev/kvm must open, and a one-instruction guest (hlt) must be created and run. This runs in
///    a child process killed at the timeout, so a KVM_RUN that never returns cannot hang us.
/// A probe that cannot even start also means TCG.
/// @throws util::InputError when NIXDRILL_ACCELERATOR holds something other than kvm or tcg.
AcceleratorChoice detectAccelerator(const AcceleratorOptions& options = {});

namespace detail {

/// Runs `probe` in a forked child and returns its exit status, or -1 when it did not finish
/// within `timeout` (the child is then sent SIGKILL and left to the kernel if it cannot die).
/// `probe` must only use async-signal-safe calls (the parent may have threads).
int runForkedProbe(const std::function<int()>& probe, std::chrono::milliseconds timeout);

} // namespace detail

} // namespace nixdrill::vm
