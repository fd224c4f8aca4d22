///@file Admission of tasks within a job count and a memory budget.
#include "engine/admission.hpp"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace nixdrill::engine {

void runAdmitted(const std::vector<std::uint64_t>& costs, unsigned jobs, std::uint64_t budget,
                 const std::function<void(std::size_t)>& work) {
    if (jobs <= 1) {
        // Serial: no thread, so a plain run behaves exactly as it always did.
        for (std::size_t i = 0; i < costs.size(); ++i) {
            work(i);
        }
        return;
    }
    std::mutex mutex;
    std::condition_variable changed;
    unsigned running = 0;
    std::uint64_t inUse = 0;
    std::exception_ptr firstError;
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < costs.size(); ++i) {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] {
            bool fits = budget == 0 || inUse + costs[i] <= budget;
            return firstError || running == 0 || (running < jobs && fits);
        });
        if (firstError) {
            break;
        }
        ++running;
        inUse += costs[i];
        threads.emplace_back([&, i] {
            std::exception_ptr error;
            try {
                work(i);
            } catch (...) {
                error = std::current_exception();
            }
            std::lock_guard done(mutex);
            --running;
            inUse -= costs[i];
            if (error && !firstError) {
                firstError = error;
            }
            changed.notify_all();
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    if (firstError) {
        std::rethrow_exception(firstError);
    }
}

} // namespace nixdrill::engine
