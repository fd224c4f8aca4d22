///@file Tests of drill admission: order, job count, memory budget, oversized tasks, errors.
#include "engine/admission.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

using namespace nixdrill;

namespace {

/// Records what runs at once. Tasks named in `meet` wait (up to 10 s) until all of them run,
/// which they can only do if they were admitted together: parallelism is proven, not timed.
struct Recorder {
    std::vector<std::uint64_t> costs;
    std::set<std::size_t> meet;
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::size_t> started;
    std::set<std::size_t> running;
    std::set<std::size_t> met;
    std::vector<std::set<std::size_t>> overlaps; ///< what ran at each start
    unsigned peakJobs = 0;
    std::uint64_t peakCost = 0;
    bool allMet = false;

    void operator()(std::size_t i) {
        std::unique_lock lock(mutex);
        started.push_back(i);
        running.insert(i);
        overlaps.push_back(running);
        peakJobs = std::max<unsigned>(peakJobs, running.size());
        std::uint64_t cost = 0;
        for (auto r : running) {
            cost += costs[r];
        }
        peakCost = std::max(peakCost, cost);
        if (meet.count(i)) {
            met.insert(i);
            changed.notify_all();
            allMet = changed.wait_for(lock, std::chrono::seconds(10), [&] { return met.size() == meet.size(); });
        } else {
            // Long enough for a wrongly admitted task to be seen running alongside.
            lock.unlock();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            lock.lock();
        }
        running.erase(i);
    }
};

void run(Recorder& r, unsigned jobs, std::uint64_t budget) {
    engine::runAdmitted(r.costs, jobs, budget, [&](std::size_t i) { r(i); });
}

} // namespace

BOOST_AUTO_TEST_SUITE(engine_admission)

BOOST_AUTO_TEST_CASE(two_jobs_run_two_tasks_at_once_and_never_three) {
    Recorder r;
    r.costs.assign(6, 100);
    r.meet = {0, 1};
    run(r, 2, 0);
    BOOST_TEST(r.allMet); // 0 and 1 ran together
    BOOST_TEST(r.peakJobs == 2u);
    BOOST_TEST(r.started.size() == 6u);
}

BOOST_AUTO_TEST_CASE(tasks_run_in_index_order_when_one_fits_at_a_time) {
    Recorder r;
    r.costs.assign(6, 10);
    run(r, 3, 10);
    std::vector<std::size_t> expected{0, 1, 2, 3, 4, 5};
    BOOST_TEST(r.started == expected, boost::test_tools::per_element());
    BOOST_TEST(r.peakJobs == 1u);
}

BOOST_AUTO_TEST_CASE(a_small_task_does_not_overtake_a_waiting_one) {
    // 2 would fit beside 0 (900 of 1000), but 1 is ahead of it and waits for 0 to end.
    Recorder r;
    r.costs = {600, 600, 300};
    r.meet = {1, 2};
    run(r, 3, 1000);
    BOOST_TEST(r.allMet); // 1 and 2 together once 0 ended
    for (const auto& o : r.overlaps) {
        BOOST_TEST((o.count(0) == 0 || o.size() == 1u));
    }
}

BOOST_AUTO_TEST_CASE(the_memory_budget_limits_what_runs_together) {
    Recorder r;
    r.costs.assign(5, 1000);
    r.meet = {0, 1};
    run(r, 4, 2000); // four jobs, but memory for two
    BOOST_TEST(r.allMet);
    BOOST_TEST(r.peakJobs == 2u);
    BOOST_TEST(r.peakCost <= 2000u);
}

BOOST_AUTO_TEST_CASE(an_oversized_task_runs_alone) {
    Recorder r;
    r.costs = {1500, 400, 400};
    r.meet = {1, 2};
    run(r, 2, 1000);
    BOOST_TEST(r.overlaps[0] == std::set<std::size_t>{0}); // nothing beside it when it started
    BOOST_TEST(r.allMet);                                  // the small ones together after it
    for (const auto& o : r.overlaps) {
        BOOST_TEST((o.count(0) == 0 || o.size() == 1u)); // nothing joined it either
    }
}

BOOST_AUTO_TEST_CASE(one_job_runs_serially_on_the_calling_thread) {
    std::vector<std::thread::id> ids;
    engine::runAdmitted({5, 5, 5}, 1, 0, [&](std::size_t) { ids.push_back(std::this_thread::get_id()); });
    BOOST_TEST(ids.size() == 3u);
    for (auto id : ids) {
        BOOST_TEST((id == std::this_thread::get_id()));
    }
}

BOOST_AUTO_TEST_CASE(the_first_error_is_rethrown_after_the_running_tasks_end) {
    std::mutex m;
    std::condition_variable thrown;
    bool failing = false;
    std::set<std::size_t> started, ended;
    auto work = [&](std::size_t i) {
        std::unique_lock lock(m);
        started.insert(i);
        if (i == 0) {
            failing = true;
            thrown.notify_all();
            throw std::runtime_error("task 0 failed");
        }
        // The others end only after task 0 has failed, so admission must have stopped by then.
        thrown.wait_for(lock, std::chrono::seconds(10), [&] { return failing; });
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        lock.lock();
        ended.insert(i);
    };
    BOOST_CHECK_EXCEPTION(engine::runAdmitted(std::vector<std::uint64_t>(10, 1), 2, 0, work), std::runtime_error,
                          [](const std::runtime_error& e) { return std::string(e.what()) == "task 0 failed"; });
    std::lock_guard lock(m);
    started.erase(0);
    BOOST_TEST(ended == started);    // every started task had ended when the call returned
    BOOST_TEST(started.size() < 9u); // and the rest were never started
}

BOOST_AUTO_TEST_CASE(no_tasks_is_fine) {
    bool called = false;
    engine::runAdmitted({}, 2, 100, [&](std::size_t) { called = true; });
    BOOST_TEST(!called);
}

BOOST_AUTO_TEST_SUITE_END()
