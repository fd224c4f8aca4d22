///@file The kill-mid-backup / power-loss trigger run for real against a fake `restic backup`.
#include "faults/fault.hpp"
#include "util/file.hpp"
#include "util/process.hpp"

#include <boost/process.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace nixdrill;
namespace bp = boost::process;

namespace {

// A restic stand-in (perl renames its command line): takes the repository lock, works a while,
// writes `packs` pack files with work between them, drops the lock. Work is counted in 10 ms
// ticks so that a stopped process makes no progress, as restic does not.
const char* fakeRestic = R"(
my ($repo, $tag, $before, $packs, $between) = @ARGV;
$0 = "restic backup --tag $tag";
sub work { select(undef, undef, undef, 0.01) for 1 .. $_[0] }
mkdir "$repo/locks"; mkdir "$repo/data";
open(my $l, '>', "$repo/locks/lock1") or die; close $l;
work($before);
for my $p (1 .. $packs) { open(my $f, '>', "$repo/data/pack$p") or die; print $f "x"; close $f; work($between) }
unlink "$repo/locks/lock1";
)";

struct Fake {
    util::TempDir repo{"nixdrill-fake-repo-"};
    std::string tag = "nixdrill-test-" + std::to_string(::getpid());
    std::string pattern = "^restic backup --tag " + tag;
    bp::child child;

    Fake(int before, int packs, int between)
        : child(bp::search_path("perl"), "-e", fakeRestic, repo.path().string(), tag, std::to_string(before),
                std::to_string(packs), std::to_string(between)) {}
    ~Fake() {
        if (child.running()) {
            ::kill(child.id(), SIGCONT);
            ::kill(child.id(), SIGKILL);
            child.wait();
        }
    }
    util::ProcessResult trigger(bool kill, unsigned timeoutSeconds) {
        util::ProcessOptions o;
        o.deadline = std::chrono::seconds(120);
        return util::runProcess(
            {"sh", "-c", faults::resticWritingCommand(repo.path().string(), kill, timeoutSeconds, pattern)}, o);
    }
    char state() {
        std::ifstream stat("/proc/" + std::to_string(child.id()) + "/stat");
        std::string line;
        std::getline(stat, line);
        auto close = line.rfind(')');
        return close == std::string::npos || close + 2 >= line.size() ? '?' : line[close + 2];
    }
    bool lockLeft() { return std::filesystem::exists(repo.path() / "locks" / "lock1"); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(faults_restic_writing)

BOOST_AUTO_TEST_CASE(kills_restic_after_its_first_pack_under_its_lock) {
    Fake fake(30, 3, 50);
    auto r = fake.trigger(true, 60);
    BOOST_TEST(r.exitCode == 0, r.out);
    BOOST_TEST(r.out.find("held lock lock1 and had written 1 pack file(s)") != std::string::npos, r.out);
    fake.child.wait();
    int status = fake.child.native_exit_code();
    BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    BOOST_TEST(fake.lockLeft()); // killed in the middle: the stale lock restic leaves
    BOOST_TEST(!std::filesystem::exists(fake.repo.path() / "data" / "pack3"));
}

BOOST_AUTO_TEST_CASE(without_kill_leaves_restic_stopped_in_the_middle) {
    Fake fake(30, 3, 50);
    auto r = fake.trigger(false, 60);
    BOOST_TEST(r.exitCode == 0, r.out);
    BOOST_TEST(r.out.find("kill") == std::string::npos);
    BOOST_TEST(fake.state() == 'T'); // stopped: the power cut that follows finds it mid-backup
    BOOST_TEST(fake.lockLeft());
    ::kill(fake.child.id(), SIGCONT);
    fake.child.wait();
    BOOST_TEST(fake.child.exit_code() == 0); // let go, it finishes its backup
    BOOST_TEST(!fake.lockLeft());
}

BOOST_AUTO_TEST_CASE(a_backup_that_writes_no_pack_is_reported_when_it_ends_not_waited_for) {
    Fake fake(30, 0, 0);
    auto r = fake.trigger(true, 60);
    BOOST_TEST(r.exitCode == 1, r.out);
    BOOST_TEST(r.out.find("ended before it had written a pack") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(no_backup_at_all_fails_at_the_deadline) {
    util::TempDir repo;
    util::ProcessOptions o;
    o.deadline = std::chrono::seconds(60);
    auto r = util::runProcess(
        {"sh", "-c", faults::resticWritingCommand(repo.path().string(), true, 2, "^restic backup --tag none-such")}, o);
    BOOST_TEST(r.exitCode == 1, r.out);
    BOOST_TEST(r.out.find("wrote a pack within 2 s") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_SUITE_END()
