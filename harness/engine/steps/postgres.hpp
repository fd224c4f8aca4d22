///@file The PostgreSQL family (docs/drill-format.md, "PostgreSQL"): pg-seed, a writer during
/// backups (pgWriter), pg-drop, pg-restore through the rendered restore script, pg-dump-fails;
/// and pgBackRest's point in time (pg-pitr-mark, pg-pitr-restore, in pgbackrest.cpp).
#pragma once

#include "engine/drill/context.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace nixdrill::engine::steps {

class Postgres final : public drill::StepFamily {
public:
    std::string_view name() const override { return "postgres"; }
    std::vector<std::string> actions() const override;
    std::vector<std::string> keysOf(const std::string& action) const override;
    void parseStep(const scenario::StepInput& in, model::DrillStep& step) const override;
    bool runs(const model::DrillStep& step) const override;
    void run(drill::DrillContext& ctx, const model::DrillStep& step) override;
    void beforeJobs(drill::DrillContext& ctx, drill::BackupWindow& window) override;
    void jobsEnded(drill::DrillContext& ctx, drill::BackupWindow& window) override;

private:
    // The drill's context while one of its entry points runs (one drill per family object).
    guest::ExecResult sh(const std::string& command) { return ctx_->client().sh(command); }
    guest::ExecResult must(const std::string& command) { return ctx_->client().must(command); }
    void note(const std::string& line) { ctx_->note(line); }

    /// Every database of the jobs' backup.postgres, with the job that dumps it.
    std::vector<std::pair<const DrillJob*, std::string>> pgDatabases() const;
    /// Runs SQL (on stdin) in `db` as the job's PostgreSQL user; unaligned, tuples only.
    guest::ExecResult psql(const DrillJob& job, const std::string& db, const std::string& sql);
    guest::ExecResult mustPsql(const DrillJob& job, const std::string& db, const std::string& sql);
    /// The payload of row `id` in `db`, as SQL: the generator the seed and the writer share.
    std::string pgPayload(const std::string& db, const std::string& id) const;
    /// The writer's counter: rows committed so far (updated in the same transaction as each insert).
    unsigned long pgCommitted(const DrillJob& job, const std::string& db);
    static std::string writerUnit(std::size_t i) { return "nixdrill-pg-writer-" + std::to_string(i) + ".service"; }

    void pgSeed(unsigned rows);
    void pgStartWriters();
    std::map<std::string, unsigned long> pgRowCounts();
    /// The dump point of each database lies between the rows committed before the jobs started
    /// and after they ended; the writers are stopped afterwards (a restore must drop the database).
    void pgRecordDumpBounds(unsigned number, const std::map<std::string, unsigned long>& before, bool writers);
    void pgDumpFails();
    void pgDrop();
    void pgRestore(unsigned number);
    /// The restored database is one consistent point in time between the backup's bounds, and
    /// every row is the generator's.
    void pgCompare(const DrillJob& job, const std::string& db, unsigned number, std::vector<std::string>& failures);

    // pgBackRest (pgbackrest.cpp)
    std::vector<const DrillJob*> pgBackRestJobs() const;
    void pgConfigureBackRest();
    std::vector<std::pair<const DrillJob*, std::string>> pgPitrDatabases();
    void pgPitrMark();
    void pgPitrRestore(unsigned number);

    drill::DrillContext* ctx_ = nullptr;
    std::map<std::string, unsigned> pgSeedRows_; ///< database -> seeded rows
    std::string pitrTarget_;                     ///< pg-pitr-mark's target time (between its two commits)
    /// backup -> database -> rows committed when the jobs started / ended (the dump point's window)
    std::map<unsigned, std::map<std::string, std::pair<unsigned long, unsigned long>>> pgBounds_;
    std::map<std::string, unsigned long> before_; ///< the running backup's counts when its jobs started
};

} // namespace nixdrill::engine::steps
