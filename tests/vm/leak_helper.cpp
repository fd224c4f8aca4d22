///@file Helper process for the VM tests: starts a domain, prints its name and run directory,
/// then waits to be killed (SIGKILL: the sweep must clean up; SIGTERM with --signal-cleanup:
/// the signal handler must).
#include "guest/image.hpp"
#include "vm/connection.hpp"
#include "vm/run_dir.hpp"
#include "vm/signal_cleanup.hpp"

#include <iostream>
#include <string>
#include <unistd.h>

int main(int argc, char** argv) {
    using namespace nixdrill;
    if (argc < 3) {
        std::cerr << "usage: vm-leak-helper IMAGE_DIR RUN_ID [--signal-cleanup]\n";
        return 2;
    }
    try {
        if (argc > 3 && std::string(argv[3]) == "--signal-cleanup") {
            vm::installSignalCleanup();
        }
        auto image = guest::loadGuestImage(argv[1]);
        vm::Connection connection;
        vm::RunDir dir("leak-" + std::string(argv[2]));
        vm::DomainSpec spec;
        spec.name = vm::domainName(argv[2], "leak");
        spec.kernel = image.kernel;
        spec.initrd = image.initrd;
        spec.cmdline = image.cmdline;
        spec.agentChannel = image.agentChannel;
        spec.consoleLog = dir.path() / "console.log";
        spec.owner = vm::OwnerMetadata{vm::Owner::self(), argv[2], dir.path()};
        auto domain = connection.createDomain(spec);
        std::cout << domain.name() << "\n" << dir.path().string() << std::endl;
        for (;;) {
            ::pause();
        }
    } catch (const std::exception& e) {
        std::cerr << "vm-leak-helper: " << e.what() << "\n";
        return 1;
    }
}
