#pragma once
///@file Runs tasks several at once within a job count and a memory budget, admitted in order.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace nixdrill::engine {

/// Calls work(i) for every i in [0, costs.size()), starting them in index order (so reports
/// and progress follow the scenario order whatever order they end in). A task starts when
/// fewer than `jobs` run and its cost fits in what the running ones leave of `budget`
/// (0 = no budget); a task that alone exceeds the budget starts when nothing else runs, so
/// every task runs. With jobs <= 1 the tasks run one after another on the calling thread.
/// Throws the first exception a task threw, after every started task has ended; no task
/// starts after one has thrown.
void runAdmitted(const std::vector<std::uint64_t>& costs, unsigned jobs, std::uint64_t budget,
                 const std::function<void(std::size_t)>& work);

} // namespace nixdrill::engine
