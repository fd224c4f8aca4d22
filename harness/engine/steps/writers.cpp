///@file The file writer (a backup step's fileWriter, ZFS drills): appends records to files in
/// each job's data for the whole backup; after a restore, the writer's own invariant tells one
/// point in time from a torn copy.
#include "engine/drill/context.hpp"
#include "engine/drill/jobs.hpp"
#include "engine/drill/text.hpp"
#include "engine/steps/steps.hpp"

#include <sstream>

namespace nixdrill::engine::steps {

using drill::DrillContext;
using drill::trimmed;
using guest::shellQuote;

namespace {

// Record N goes to a-journal, then z-journal, then count (by rename). restic reads the files
// in name order, with m-filler-* (random, 4 x 8 MiB) between the journals, so a copy of the
// live files is seconds apart at its two ends; one point in time has z-journal = a-journal
// or one record behind, and count = z-journal or one behind. Stops after a whole record.
constexpr const char* fileWriterScript = R"SH(#!/bin/bash
set -u
dir=$1
running=1
trap 'running=0' TERM INT
n=0
[ -s "$dir/count" ] && n=$(cat "$dir/count")
while [ "$running" = 1 ]; do
    n=$((n + 1))
    echo "$n" >>"$dir/a-journal"
    echo "$n" >>"$dir/z-journal"
    echo "$n" >"$dir/count.tmp"
    mv -f "$dir/count.tmp" "$dir/count"
    sleep 0.05
done
)SH";

std::string writerDir(const DrillJob& job) {
    auto paths = drill::dataPaths(job);
    if (paths.empty()) {
        throw util::InputError("fileWriter: job " + job.name + " has no data path to write to");
    }
    return paths.front() + "/nixdrill-writer";
}

std::string writerUnit(std::size_t i) {
    return "nixdrill-file-writer-" + std::to_string(i) + ".service";
}

/// Records 1..N in order in `name` under `dir`; `problem` says what is not.
std::vector<std::string> journalRecords(drill::Machine& m, const std::string& dir, const std::string& name,
                                        std::string& problem) {
    auto r = m.sh("cat " + shellQuote(dir + "/" + name));
    std::vector<std::string> lines;
    if (!r.succeeded()) {
        problem = name + " was not restored";
        return lines;
    }
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        if (problem.empty() && line != std::to_string(lines.size() + 1)) {
            problem = name + " line " + std::to_string(lines.size() + 1) + " is '" + line + "', not record " +
                      std::to_string(lines.size() + 1);
        }
        lines.push_back(line);
    }
    return lines;
}

class Writers final : public drill::StepFamily {
public:
    std::string_view name() const override { return "writers"; }
    bool runs(const model::DrillStep&) const override { return false; }
    void run(DrillContext&, const model::DrillStep&) override {}

    std::vector<std::string> keysOf(const std::string& action) const override {
        return action == "backup" ? std::vector<std::string>{"fileWriter"} : std::vector<std::string>{};
    }
    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override {
        if (step.action != "backup") {
            return;
        }
        step.fileWriter = in.reader.boolean(in.json, in.pointer, "fileWriter", false);
        if (step.fileWriter && !in.drill.zfs) {
            // Its invariant is what tells a snapshot's one point in time from a torn copy.
            in.reader.fail(in.pointer + "/fileWriter", "the file writer belongs to ZFS drills: set /drill/zfs");
        }
        if (step.fileWriter && step.fault) {
            in.reader.fail(in.pointer + "/fileWriter", "a backup step with a fault runs no writer");
        }
    }

    void provision(DrillContext& ctx) override {
        if (ctx.drill.zfs) { // the only drills with file writers (the parser's rule)
            ctx.client().writeFile("/usr/local/bin/nixdrill-file-writer", fileWriterScript);
            ctx.client().must("chmod 0755 /usr/local/bin/nixdrill-file-writer");
        }
    }

    /// One writer per job, started before the jobs and running until they have all ended.
    void beforeJobs(DrillContext& ctx, drill::BackupWindow& window) override {
        before_.clear();
        if (!window.step.fileWriter) {
            return;
        }
        auto& m = ctx.client();
        for (std::size_t i = 0; i < ctx.plan.jobs.size(); ++i) {
            auto dir = writerDir(ctx.plan.jobs[i]);
            m.must("set -e; mkdir -p " + shellQuote(dir) + "; for i in 1 2 3 4; do f=" + shellQuote(dir) +
                   "/m-filler-$i; [ -e \"$f\" ] || head -c 8M /dev/urandom >\"$f\"; done");
            m.must("systemd-run --quiet --unit=" + writerUnit(i) + " /usr/local/bin/nixdrill-file-writer " +
                   shellQuote(dir));
            auto start = records(m, dir);
            bool moving = false;
            for (int t = 0; t < 60 && !moving; ++t) {
                m.sh("sleep 0.5");
                moving = records(m, dir) > start;
            }
            if (!moving) {
                throw util::SystemError("the file writer in " + dir + " wrote nothing in 30 s: " +
                                        m.sh("journalctl --no-pager -n 20 -u " + writerUnit(i)).out);
            }
            ctx.note("writer " + writerUnit(i) + " appending records in " + dir);
        }
        for (const auto& job : ctx.plan.jobs) {
            before_[job.name] = records(m, writerDir(job));
        }
    }

    /// Stops the writers (after a whole record) and keeps where they were when the jobs ran.
    void jobsEnded(DrillContext& ctx, drill::BackupWindow& window) override {
        if (!window.step.fileWriter) {
            return;
        }
        auto& m = ctx.client();
        for (std::size_t i = 0; i < ctx.plan.jobs.size(); ++i) {
            const auto& job = ctx.plan.jobs[i];
            auto after = records(m, writerDir(job));
            auto state = m.activeState(writerUnit(i));
            m.must("systemctl stop " + writerUnit(i));
            auto b = before_.at(job.name);
            bounds_[window.number][job.name] = {b, after};
            ctx.note("writer of job " + job.name + ": record " + std::to_string(b) + " when the jobs started, " +
                     std::to_string(after) + " when they ended (" + state + " until then)");
            if (after <= b || state != "active") {
                throw util::SystemError("the file writer of job " + job.name +
                                        " did not keep writing while the backup ran: the drill proves nothing");
            }
        }
    }

    void restored(DrillContext& ctx, const drill::RestoredTree& tree, std::vector<std::string>& problems) override {
        auto& bounds = bounds_[tree.number];
        if (auto w = bounds.find(tree.job.name); w != bounds.end()) {
            if (auto problem = checkTree(ctx, tree.target + writerDir(tree.job), w->second); !problem.empty()) {
                problems.push_back("job " + tree.job.name + ": " + problem);
            }
        }
    }

private:
    /// The writer's last complete record in the live `dir` (0 before the first).
    static unsigned long records(drill::Machine& m, const std::string& dir) {
        auto out = trimmed(m.must("tail -n 1 " + shellQuote(dir + "/z-journal") + " 2>/dev/null; true").out);
        try {
            return out.empty() ? 0 : std::stoul(out);
        } catch (const std::exception&) {
            throw util::SystemError("cannot read the writer's z-journal in " + dir + ": '" + out + "'");
        }
    }

    /// The writer's invariant in a restored tree: each journal the records 1..N in order, and the
    /// journals and counter from one point in time between the writer's bounds during the backup.
    /// Returns what is wrong, empty when it holds.
    static std::string checkTree(DrillContext& ctx, const std::string& dir,
                                 std::pair<unsigned long, unsigned long> bounds) {
        auto& m = ctx.client();
        std::string problem;
        auto a = journalRecords(m, dir, "a-journal", problem).size();
        auto z = journalRecords(m, dir, "z-journal", problem).size();
        if (!problem.empty()) {
            return "the writer's files are damaged: " + problem;
        }
        auto c = m.sh("cat " + shellQuote(dir + "/count"));
        unsigned long count = 0;
        try {
            count = std::stoul(trimmed(c.out));
        } catch (const std::exception&) {
            return "the writer's count file is missing or unreadable: '" + trimmed(c.out) + "'";
        }
        ctx.note("restored writer files in " + dir + ": a-journal " + std::to_string(a) + " records, z-journal " +
                 std::to_string(z) + ", count " + std::to_string(count) + " (the writer was at records " +
                 std::to_string(bounds.first) + "-" + std::to_string(bounds.second) + " while the jobs ran)");
        if (a < z || a > z + 1 || count > z || z > count + 1) {
            return "torn copy: the writer's files are from different moments (a-journal ends at record " +
                   std::to_string(a) + ", z-journal at " + std::to_string(z) + ", count says " + std::to_string(count) +
                   "; one point in time has z-journal equal to a-journal or one behind, count equal to z-journal or "
                   "one behind)";
        }
        if (z < bounds.first || a > bounds.second + 1) {
            return "the restored point (record " + std::to_string(z) + ") is not from the backup's run (records " +
                   std::to_string(bounds.first) + "-" + std::to_string(bounds.second) + ")";
        }
        return "";
    }

    std::map<std::string, unsigned long> before_; ///< job -> record when the jobs started
    /// backup -> job -> the writer's records when the jobs started and ended
    std::map<unsigned, std::map<std::string, std::pair<unsigned long, unsigned long>>> bounds_;
};

} // namespace

FamilyPtr writersFamily() {
    return std::make_unique<Writers>();
}

} // namespace nixdrill::engine::steps
