///@file A real service's workload: exec steps (seed rows, lose a database) and a backup step's
/// writer, a scenario-given command that keeps changing the service while the jobs run; after
/// an in-place restore, the writer's progress must be a point from that backup's run.
#include "engine/drill/context.hpp"
#include "engine/drill/text.hpp"
#include "engine/steps/steps.hpp"

namespace nixdrill::engine::steps {

using drill::DrillContext;
using drill::trimmed;
using guest::shellQuote;

namespace {

constexpr const char* writerUnit = "nixdrill-workload-writer.service";

std::string requiredText(const scenario::StepInput& in, const nlohmann::ordered_json& obj, const std::string& pointer,
                         const char* key) {
    if (!obj.contains(key)) {
        in.reader.fail(pointer + "/" + key, "must be set");
    }
    auto text = in.reader.string(obj, pointer, key, "");
    if (text.empty()) {
        in.reader.fail(pointer + "/" + key, "must not be empty");
    }
    return text;
}

/// What a writer did while one backup's jobs ran: its progress counter at their start and end.
struct WriterBounds {
    std::string service;
    std::string progress; ///< the command that prints the counter
    unsigned long before = 0;
    unsigned long after = 0;
};

class Workload final : public drill::StepFamily {
public:
    std::string_view name() const override { return "workload"; }
    std::vector<std::string> actions() const override { return {"exec"}; }
    std::vector<std::string> keysOf(const std::string& action) const override {
        if (action == "exec") {
            return {"command", "expect"};
        }
        return action == "backup" ? std::vector<std::string>{"writer"} : std::vector<std::string>{};
    }
    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override {
        if (step.action == "exec") {
            requiredText(in, in.json, in.pointer, "command");
            in.reader.string(in.json, in.pointer, "expect", "");
        } else if (step.action == "backup" && in.json.contains("writer")) {
            auto p = in.pointer + "/writer";
            const auto& w = in.json["writer"];
            if (!w.is_object()) {
                in.reader.fail(p, "expected an object {service, command, progress}");
            }
            in.reader.onlyKeys(w, p, {"service", "command", "progress"});
            for (const char* key : {"service", "command", "progress"}) {
                requiredText(in, w, p, key);
            }
            if (step.fault) {
                in.reader.fail(p, "a backup step with a fault runs no writer");
            }
        }
    }
    bool runs(const model::DrillStep& step) const override { return step.action == "exec"; }

    /// Exercises the service: a command that does not do its work means the drill cannot go on
    /// (Broken); it never judges the backup system.
    void run(DrillContext& ctx, const model::DrillStep& step) override {
        auto command = step.params.value("command", "");
        auto expect = step.params.value("expect", "");
        auto r = ctx.client().sh("bash -euo pipefail -c " + shellQuote(command) + " </dev/null");
        auto out = ctx.redactor.apply(r.out + r.err);
        ctx.note("exec (exit " + std::to_string(r.exitCode) + "):\n" + out);
        if (!r.succeeded()) {
            throw util::SystemError("exec: the command failed (exit " + std::to_string(r.exitCode) + "): " + out);
        }
        if (!expect.empty() && r.out.find(expect) == std::string::npos) {
            throw util::SystemError("exec: the output lacks '" + expect + "': " + out);
        }
    }

    void beforeJobs(DrillContext& ctx, drill::BackupWindow& window) override {
        current_.reset();
        if (!window.step.params.contains("writer")) {
            return;
        }
        const auto& w = window.step.params.at("writer");
        WriterBounds bounds{w.value("service", ""), w.value("progress", "")};
        bool known = false;
        for (const auto& job : ctx.plan.jobs) {
            known = known || job.source == bounds.service;
        }
        if (!known) {
            throw util::InputError("writer: no job backs up service '" + bounds.service + "'");
        }
        auto& m = ctx.client();
        m.must("systemd-run --quiet --unit=" + std::string(writerUnit) + " bash -uo pipefail -c " +
               shellQuote(w.value("command", "")));
        auto start = progress(ctx, bounds.progress);
        bool moving = false;
        for (int t = 0; t < 60 && !moving; ++t) {
            m.sh("sleep 0.5");
            moving = progress(ctx, bounds.progress) > start;
        }
        if (!moving) {
            throw util::SystemError(
                "the writer made no progress in 30 s: " +
                ctx.redactor.apply(m.sh("journalctl --no-pager -n 20 -u " + std::string(writerUnit)).out));
        }
        bounds.before = progress(ctx, bounds.progress);
        ctx.note("writer " + std::string(writerUnit) + " changing service " + bounds.service + " (progress " +
                 std::to_string(bounds.before) + " when the jobs started)");
        current_ = bounds;
    }

    void jobsEnded(DrillContext& ctx, drill::BackupWindow& window) override {
        if (!current_) {
            return;
        }
        auto& m = ctx.client();
        auto state = m.activeState(writerUnit);
        m.must("systemctl stop " + std::string(writerUnit) + "; systemctl reset-failed " + std::string(writerUnit) +
               " 2>/dev/null; true");
        // Read once it is stopped: no commit can land after the bound, and the backup's point
        // is before it (the jobs had ended).
        current_->after = progress(ctx, current_->progress);
        ctx.note("writer of service " + current_->service + ": progress " + std::to_string(current_->before) +
                 " when the jobs started, " + std::to_string(current_->after) + " when it was stopped after them (" +
                 state + " until then)");
        if (current_->after <= current_->before || state != "active") {
            throw util::SystemError("the writer of service " + current_->service +
                                    " did not keep writing while the backup ran: the drill proves nothing");
        }
        bounds_[window.number] = *current_;
        current_.reset();
    }

    /// After an in-place restore (postRestore done), the service's progress counter is the one
    /// point the backup took: between the writer's progress when the jobs started and ended.
    void restored(DrillContext& ctx, const drill::RestoredTree& tree, std::vector<std::string>& problems) override {
        auto b = bounds_.find(tree.number);
        if (tree.target != "/" || b == bounds_.end() || tree.job.source != b->second.service) {
            return;
        }
        const auto& w = b->second;
        auto r = ctx.client().sh("bash -uo pipefail -c " + shellQuote(w.progress) + " </dev/null");
        auto text = trimmed(r.out);
        unsigned long restored = 0;
        try {
            restored = std::stoul(text);
        } catch (const std::exception&) {
            problems.push_back("job " + tree.job.name + ": the restored service " + w.service +
                               " has no readable progress counter (exit " + std::to_string(r.exitCode) +
                               "): " + ctx.redactor.apply(text + r.err));
            return;
        }
        ctx.note("job " + tree.job.name + ": restored progress " + std::to_string(restored) + " (the writer was at " +
                 std::to_string(w.before) + "-" + std::to_string(w.after) + " while the jobs ran)");
        if (restored < w.before || restored > w.after) {
            problems.push_back("job " + tree.job.name + ": the restored service " + w.service + " is at progress " +
                               std::to_string(restored) + ", not a point from backup " + std::to_string(tree.number) +
                               "'s run (" + std::to_string(w.before) + "-" + std::to_string(w.after) + ")");
        }
    }

private:
    static unsigned long progress(DrillContext& ctx, const std::string& command) {
        auto r = ctx.client().sh("bash -uo pipefail -c " + shellQuote(command) + " </dev/null");
        auto text = trimmed(r.out);
        try {
            if (r.succeeded()) {
                return std::stoul(text);
            }
        } catch (const std::exception&) {
        }
        throw util::SystemError("the writer's progress command did not print a number (exit " +
                                std::to_string(r.exitCode) + "): " + ctx.redactor.apply(text + r.err));
    }

    std::optional<WriterBounds> current_;
    std::map<unsigned, WriterBounds> bounds_; ///< backup number -> its writer
};

} // namespace

FamilyPtr workloadFamily() {
    return std::make_unique<Workload>();
}

} // namespace nixdrill::engine::steps
