///@file KVM probe: open /dev/kvm, create a VM with one vCPU, run `hlt`, all in a child process.
#include "vm/accelerator.hpp"

#include "util/error.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <linux/kvm.h>
#include <sstream>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace nixdrill::vm {

namespace {

// Exit codes of the probe child, one per stage, so the reason names the stage that failed.
enum ProbeExit : int {
    probeOk = 0,
    probeOpen = 10,
    probeApiVersion,
    probeCreateVm,
    probeMemory,
    probeCreateVcpu,
    probeMmapRun,
    probeRegisters,
    probeRun,
    probeNotHalted,
};

std::string describeExit(int code, const std::filesystem::path& device) {
    switch (code) {
    case probeOk:
        return "KVM ran a test guest";
    case probeOpen:
        return "cannot open " + device.string();
    case probeApiVersion:
        return "KVM_GET_API_VERSION failed or returned an unknown version";
    case probeCreateVm:
        return "KVM_CREATE_VM failed";
    case probeMemory:
        return "cannot give the test guest memory";
    case probeCreateVcpu:
        return "KVM_CREATE_VCPU failed";
    case probeMmapRun:
        return "cannot map the vCPU run structure";
    case probeRegisters:
        return "cannot set the test guest's registers";
    case probeRun:
        return "KVM_RUN failed";
    case probeNotHalted:
        return "the test guest did not halt as expected";
    default:
        return "the KVM probe ended with status " + std::to_string(code);
    }
}

// Only raw system calls: this runs between fork() and _exit() in a possibly threaded process.
int probeKvm(const char* device) {
    int kvm = ::open(device, O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        return probeOpen;
    }
    if (::ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        return probeApiVersion;
    }
    int vm = ::ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        return probeCreateVm;
    }
    constexpr std::size_t memSize = 0x1000;
    void* mem = ::mmap(nullptr, memSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        return probeMemory;
    }
    static_cast<unsigned char*>(mem)[0] = 0xf4; // hlt
    kvm_userspace_memory_region region{};
    region.slot = 0;
    region.guest_phys_addr = 0x1000;
    region.memory_size = memSize;
    region.userspace_addr = reinterpret_cast<std::uintptr_t>(mem);
    if (::ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        return probeMemory;
    }
    int vcpu = ::ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) {
        return probeCreateVcpu;
    }
    int runSize = ::ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (runSize <= 0) {
        return probeMmapRun;
    }
    void* runMem = ::mmap(nullptr, static_cast<std::size_t>(runSize), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (runMem == MAP_FAILED) {
        return probeMmapRun;
    }
    auto* run = static_cast<kvm_run*>(runMem);
    kvm_sregs sregs{};
    if (::ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) {
        return probeRegisters;
    }
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (::ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) {
        return probeRegisters;
    }
    kvm_regs regs{};
    regs.rip = 0x1000;
    regs.rflags = 0x2;
    if (::ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
        return probeRegisters;
    }
    if (::ioctl(vcpu, KVM_RUN, 0) < 0) {
        return probeRun;
    }
    return run->exit_reason == KVM_EXIT_HLT ? probeOk : probeNotHalted;
}

// The flags line of the first CPU, or "" when unreadable.
std::string cpuFlags(const std::filesystem::path& cpuinfo) {
    std::ifstream in(cpuinfo);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("flags", 0) == 0) {
            return line.substr(line.find(':') == std::string::npos ? line.size() : line.find(':') + 1) + " ";
        }
    }
    return "";
}

bool hasFlag(const std::string& flags, const std::string& flag) {
    return flags.find(" " + flag + " ") != std::string::npos;
}

// Names the KVM flavour for the reason text: kvm_intel, kvm_amd, kvm_pvm, ...
std::string kvmModules(const std::filesystem::path& modules) {
    std::string found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(modules, ec)) {
        auto name = entry.path().filename().string();
        if (name.rfind("kvm_", 0) == 0) {
            found += (found.empty() ? "" : ", ") + name;
        }
    }
    return found;
}

} // namespace

std::string_view toString(Accelerator accelerator) {
    return accelerator == Accelerator::Kvm ? "kvm" : "tcg";
}

namespace detail {

int runForkedProbe(const std::function<int()>& probe, std::chrono::milliseconds timeout) {
    pid_t child = ::fork();
    if (child < 0) {
        return -2;
    }
    if (child == 0) {
        // Belt and braces: even if the parent dies, the child does not outlive the timeout much.
        ::alarm(static_cast<unsigned>(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + 1);
        ::_exit(probe());
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        pid_t done = ::waitpid(child, &status, WNOHANG);
        if (done == child) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (done < 0 && errno != EINTR) {
            return -2;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(child, SIGKILL);
            // A child stuck inside the kernel may not die at once; reap it if it does, but never
            // wait for it: not hanging matters more than one zombie.
            for (int i = 0; i < 20; ++i) {
                if (::waitpid(child, &status, WNOHANG) == child) {
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

} // namespace detail

AcceleratorChoice detectAccelerator(const AcceleratorOptions& options) {
    if (options.honourEnvironment) {
        if (const char* forced = std::getenv("NIXDRILL_ACCELERATOR"); forced != nullptr && *forced != '\0') {
            std::string value = forced;
            if (value == "kvm") {
                return {Accelerator::Kvm, "NIXDRILL_ACCELERATOR=kvm"};
            }
            if (value == "tcg") {
                return {Accelerator::Tcg, "NIXDRILL_ACCELERATOR=tcg"};
            }
            throw util::InputError("NIXDRILL_ACCELERATOR must be 'kvm' or 'tcg', not '" + value + "'");
        }
    }
    // Cheap checks first: the common "no KVM at all" case needs no child process.
    if (::access(options.device.c_str(), R_OK | W_OK) != 0) {
        return {Accelerator::Tcg, options.device.string() + ": " + std::strerror(errno)};
    }
    std::string flags = cpuFlags(options.cpuinfo);
    if (!hasFlag(flags, "vmx") && !hasFlag(flags, "svm")) {
        std::string modules = kvmModules(options.modules);
        return {Accelerator::Tcg, "the CPU has no hardware virtualization (no vmx/svm flag in " +
                                      options.cpuinfo.string() + ")" +
                                      (modules.empty() ? ""
                                                       : "; " + options.device.string() + " is served by " + modules +
                                                             ", which cannot boot stock kernels")};
    }
    std::string device = options.device.string();
    int code = detail::runForkedProbe([&device] { return probeKvm(device.c_str()); }, options.timeout);
    if (code == probeOk) {
        return {Accelerator::Kvm, describeExit(code, options.device)};
    }
    if (code == -1) {
        return {Accelerator::Tcg, "the KVM probe did not finish within " + std::to_string(options.timeout.count()) +
                                      " ms (KVM present but hangs)"};
    }
    if (code == -2) {
        return {Accelerator::Tcg, std::string("cannot run the KVM probe: ") + std::strerror(errno)};
    }
    return {Accelerator::Tcg, describeExit(code, options.device)};
}

} // namespace nixdrill::vm
