///@file PostgreSQL: databases seeded from the drill's seed, a writer committing during a backup,
/// the rendered restore script, and the restored rows checked against the dump point's window.
#include "engine/steps/postgres.hpp"

#include "engine/drill/jobs.hpp"
#include "engine/drill/text.hpp"
#include "engine/steps/steps.hpp"
#include "guest/errors.hpp"

#include <algorithm>
#include <set>

namespace nixdrill::engine::steps {

using guest::shellQuote;

std::vector<std::string> Postgres::actions() const {
    return {"pg-seed", "pg-drop", "pg-restore", "pg-dump-fails", "pg-pitr-mark", "pg-pitr-restore"};
}

std::vector<std::string> Postgres::keysOf(const std::string& action) const {
    if (action == "backup") {
        return {"pgWriter"};
    }
    if (action == "pg-seed") {
        return {"rows"};
    }
    if (action == "pg-restore" || action == "pg-pitr-restore") {
        return {"snapshot"};
    }
    return {};
}

void Postgres::parseStep(const scenario::StepInput& in, model::DrillStep& step) const {
    const auto& r = in.reader;
    const auto& p = in.pointer;
    if (step.action == "backup") {
        step.pgWriter = r.boolean(in.json, p, "pgWriter", false);
        if (step.pgWriter && step.fault) {
            // A faulty backup checks the fault's outcome only; the writer's window would go unchecked.
            r.fail(p + "/pgWriter", "a backup step with a fault runs no writer");
        }
    } else if (step.action == "pg-seed") {
        step.rows = r.number(in.json, p, "rows", step.rows, 1, 10000000);
    } else if (step.action == "pg-restore") {
        step.snapshot = scenario::snapshotRef(in, "snapshot");
        if (in.history.backups == 0) {
            r.fail(p, "a restore needs a backup step before it");
        }
    } else if (step.action == "pg-pitr-mark") {
        // Point in time: the base backup, the marks, then a backup that ships their WAL.
        if (in.history.backups == 0) {
            r.fail(p, "pg-pitr-mark needs a backup step before it (pgBackRest's base backup)");
        }
        in.history.marks["pg-pitr-mark"] = in.history.backups;
    } else if (step.action == "pg-pitr-restore") {
        step.snapshot = scenario::snapshotRef(in, "snapshot");
        auto mark = in.history.marks.find("pg-pitr-mark");
        if (mark == in.history.marks.end()) {
            r.fail(p, "pg-pitr-restore needs a pg-pitr-mark step before it");
        }
        auto from = step.snapshot == "latest" ? in.history.backups : std::stoul(step.snapshot);
        if (from <= mark->second) {
            r.fail(p, "pg-pitr-restore needs a backup step between pg-pitr-mark and it (the backup that ships "
                      "the archived WAL), and restores from it");
        }
    }
}

bool Postgres::runs(const model::DrillStep& step) const {
    auto mine = actions();
    return std::find(mine.begin(), mine.end(), step.action) != mine.end();
}

void Postgres::run(drill::DrillContext& ctx, const model::DrillStep& step) {
    ctx_ = &ctx;
    const auto& a = step.action;
    if (a == "pg-seed") {
        pgSeed(step.rows);
    } else if (a == "pg-drop") {
        pgDrop();
    } else if (a == "pg-dump-fails") {
        pgDumpFails();
    } else if (a == "pg-restore") {
        pgRestore(ctx.ledger.numberOf(step));
    } else if (a == "pg-pitr-mark") {
        pgPitrMark();
    } else if (a == "pg-pitr-restore") {
        pgPitrRestore(ctx.ledger.numberOf(step));
    } else {
        throw util::Error("postgres: '" + a + "' is not a step of this family");
    }
}

void Postgres::beforeJobs(drill::DrillContext& ctx, drill::BackupWindow& window) {
    ctx_ = &ctx;
    before_.clear();
    if (window.fault) {
        return; // a faulted backup judges the fault's outcome only (no writer: the parser's rule)
    }
    if (window.step.pgWriter) {
        pgStartWriters();
    }
    before_ = pgRowCounts();
}

void Postgres::jobsEnded(drill::DrillContext& ctx, drill::BackupWindow& window) {
    ctx_ = &ctx;
    pgRecordDumpBounds(window.number, before_, window.step.pgWriter);
}

/// Every database of the jobs' backup.postgres, with the job that dumps it.
std::vector<std::pair<const DrillJob*, std::string>> Postgres::pgDatabases() const {
    std::vector<std::pair<const DrillJob*, std::string>> out;
    for (const auto& job : ctx_->plan.jobs) {
        for (const auto& db : job.pgDatabases) {
            out.push_back({&job, db});
        }
    }
    return out;
}

/// Runs SQL (on stdin) in `db` as the job's PostgreSQL user; unaligned, tuples only.
guest::ExecResult Postgres::psql(const DrillJob& job, const std::string& db, const std::string& sql) {
    return ctx_->client().guest().exec("runuser -u " + shellQuote(job.pgUser) +
                                           " -- psql -X -q -A -t -v ON_ERROR_STOP=1 -d " + shellQuote(db),
                                       ctx_->client().stepTimeout(), sql);
}

guest::ExecResult Postgres::mustPsql(const DrillJob& job, const std::string& db, const std::string& sql) {
    auto r = psql(job, db, sql);
    if (!r.succeeded()) {
        throw guest::CommandFailed("psql in database '" + db + "': " + ctx_->redactor.apply(r.describe()));
    }
    return r;
}

/// The payload of row `id` in `db`, as SQL: the generator the seed and the writer share.
std::string Postgres::pgPayload(const std::string& db, const std::string& id) const {
    return "md5('" + std::to_string(ctx_->drill.seed) + "-" + db + "-' || " + id + ")";
}

/// The writer's counter: rows committed so far (updated in the same transaction as each insert).
unsigned long Postgres::pgCommitted(const DrillJob& job, const std::string& db) {
    auto r = mustPsql(job, db, "select n from nixdrill_meta where k = 'rows';\n");
    try {
        return std::stoul(r.out);
    } catch (const std::exception&) {
        throw util::SystemError("database '" + db + "': cannot read the row counter: '" + r.out + "'");
    }
}

void Postgres::pgSeed(unsigned rows) {
    auto dbs = pgDatabases();
    if (dbs.empty()) {
        throw util::InputError("pg-seed: no job of the scenario has backup.postgres.databases");
    }
    // The Debian guest image has no cluster (one would start with any unit named
    // postgresql.service and fill /var/lib/postgresql): create the newest version's here. A
    // NixOS guest has no pg_createcluster; its postgresql.service initialises the data dir.
    must("if command -v pg_createcluster >/dev/null && [ -z \"$(pg_lsclusters -h)\" ]; then "
         "pg_createcluster \"$(ls /usr/lib/postgresql | sort -n | tail -n 1)\" main >/dev/null; fi");
    pgConfigureBackRest();
    // Left off at boot (it costs every other drill boot time); the generator that makes
    // postgresql.service want the new cluster runs on daemon-reload.
    must("systemctl daemon-reload && systemctl start postgresql.service");
    bool ready = false;
    for (int i = 0; i < 120 && !ready; ++i) {
        ready = sh("runuser -u postgres -- pg_isready -q").succeeded();
        if (!ready) {
            sh("sleep 0.5");
        }
    }
    if (!ready) {
        throw util::SystemError("PostgreSQL did not accept connections within 60 s of its start");
    }
    note(must("runuser -u postgres -- psql -X -A -t -c 'select version()'").out);
    for (const auto& [job, db] : dbs) {
        must("runuser -u " + shellQuote(job->pgUser) + " -- createdb " + shellQuote(db));
        // Rows 1..rows from the seed; nixdrill_meta.n counts the committed rows, and the
        // writer bumps it in the same transaction as each insert: a consistent copy has
        // n == count(*) and ids exactly 1..n.
        mustPsql(*job, db,
                 "create table nixdrill_rows (id bigint primary key, source text not null, payload text not "
                 "null);\n"
                 "create table nixdrill_meta (k text primary key, n bigint not null);\n"
                 "begin;\n"
                 "insert into nixdrill_rows select i, 'seed', " +
                     pgPayload(db, "i") + " from generate_series(1, " + std::to_string(rows) +
                     ") i;\n"
                     "insert into nixdrill_meta values ('rows', " +
                     std::to_string(rows) + ");\ncommit;\n");
        pgSeedRows_[db] = rows;
        note("database " + db + " (job " + job->name + "): " + std::to_string(pgCommitted(*job, db)) +
             " rows from seed " + std::to_string(ctx_->drill.seed));
    }
}

void Postgres::pgStartWriters() {
    auto dbs = pgDatabases();
    if (dbs.empty() || pgSeedRows_.empty()) {
        throw util::InputError("pgWriter: the backup needs a pg-seed step before it");
    }
    for (std::size_t i = 0; i < dbs.size(); ++i) {
        const auto& [job, db] = dbs[i];
        std::string tx = "begin; insert into nixdrill_rows select n + 1, 'writer', " + pgPayload(db, "(n + 1)") +
                         " from nixdrill_meta where k = 'rows'; update nixdrill_meta set n = n + 1 where k = "
                         "'rows'; commit;";
        std::string loop = "while :; do printf '%s\\n' " + shellQuote(tx) + "; sleep 0.1; done | runuser -u " +
                           shellQuote(job->pgUser) + " -- psql -X -q -v ON_ERROR_STOP=1 -d " + shellQuote(db);
        must("systemd-run --quiet --unit=" + writerUnit(i) + " bash -c " + shellQuote(loop));
        auto start = pgCommitted(*job, db);
        // The writer must really write while the job runs, or the drill proves nothing.
        bool moving = false;
        for (int t = 0; t < 60 && !moving; ++t) {
            sh("sleep 0.5");
            moving = pgCommitted(*job, db) > start;
        }
        if (!moving) {
            throw util::SystemError("the writer of database '" + db + "' committed nothing in 30 s: " +
                                    sh("journalctl --no-pager -n 20 -u " + writerUnit(i)).out);
        }
        note("writer " + writerUnit(i) + " inserting into " + db);
    }
}

std::map<std::string, unsigned long> Postgres::pgRowCounts() {
    std::map<std::string, unsigned long> out;
    if (pgSeedRows_.empty()) {
        return out;
    }
    for (const auto& [job, db] : pgDatabases()) {
        out[db] = pgCommitted(*job, db);
    }
    return out;
}

/// The dump point of each database lies between the rows committed before the jobs started
/// and after they ended; the writers are stopped afterwards (a restore must drop the database).
void Postgres::pgRecordDumpBounds(unsigned number, const std::map<std::string, unsigned long>& before, bool writers) {
    if (before.empty()) {
        return;
    }
    auto after = pgRowCounts();
    if (writers) {
        auto dbs = pgDatabases();
        for (std::size_t i = 0; i < dbs.size(); ++i) {
            must("systemctl stop " + writerUnit(i));
        }
    }
    for (const auto& [db, b] : before) {
        pgBounds_[number][db] = {b, after[db]};
        note("database " + db + ": " + std::to_string(b) + " rows committed when the jobs started, " +
             std::to_string(after[db]) + " when they ended" + (writers ? " (writer running)" : ""));
        if (writers && after[db] <= b) {
            throw util::SystemError("the writer of database '" + db +
                                    "' committed nothing while the backup ran: the drill proves nothing");
        }
    }
}

/// pg_dump fails (the databases refuse connections, as a crashed or locked-down server
/// would): every job with databases must fail in its prepare step with the metrics category
/// prepare_failed, start its units again, leave no staging dir and make no snapshot.
void Postgres::pgDumpFails() {
    auto dbs = pgDatabases();
    if (dbs.empty() || pgSeedRows_.empty()) {
        throw util::InputError("pg-dump-fails: needs a pg-seed step before it");
    }
    std::map<std::string, std::set<std::string>> before;
    for (const auto& job : ctx_->plan.jobs) {
        if (!job.pgDatabases.empty()) {
            before[job.name] = drill::snapshotIds(*ctx_, job);
        }
    }
    for (const auto& [job, db] : dbs) {
        mustPsql(*job, "postgres", "alter database \"" + db + "\" allow_connections false;\n");
    }
    note("databases refuse connections: pg_dump cannot run");
    std::string cmd = "systemctl start";
    for (const auto& job : ctx_->plan.jobs) {
        cmd += " " + shellQuote(job.unit);
    }
    auto started = sh(cmd);
    note("$ " + cmd + "\n  exit " + std::to_string(started.exitCode));
    for (const auto& [job, db] : dbs) {
        mustPsql(*job, "postgres", "alter database \"" + db + "\" allow_connections true;\n");
    }
    note("databases accept connections again");

    std::vector<std::string> failures;
    auto compare = [&](const std::string& what, const std::string& expected, const std::string& actual) {
        note(what + ": expected " + expected + ", actual " + actual);
        if (expected != actual) {
            failures.push_back(what + ": expected " + expected + ", actual " + actual);
        }
    };
    for (const auto& job : ctx_->plan.jobs) {
        if (job.pgDatabases.empty()) {
            continue;
        }
        std::string prefix = "job " + job.name + ": ";
        auto show = drill::parseShow(must("systemctl show -p Result -p ExecMainStatus " + shellQuote(job.unit)).out);
        note(sh("journalctl --no-pager -n 12 -u " + shellQuote(job.unit)).out);
        compare(prefix + "unit result", "exit-code", show["Result"]);
        if (!job.metricsFile.empty()) {
            auto metrics = drill::metricsText(ctx_->client(), job);
            compare(prefix + "category", "prepare_failed", drill::metricValue(metrics, "category"));
            compare(prefix + "restic_backup_status", "0", drill::metricValue(metrics, "restic_backup_status"));
        }
        for (const auto& unit : job.systemdUnits) {
            auto active = sh("systemctl is-active " + shellQuote(unit)).out;
            while (!active.empty() && active.back() == '\n') {
                active.pop_back();
            }
            compare(prefix + "unit " + unit, "active", active);
        }
        compare(prefix + "staging dir " + job.pgDumpDir, "absent",
                sh("test -e " + shellQuote(job.pgDumpDir)).succeeded() ? "present" : "absent");
        std::string fresh = "none";
        for (const auto& id : drill::snapshotIds(*ctx_, job)) {
            if (!before[job.name].contains(id)) {
                fresh = id.substr(0, 8);
            }
        }
        compare(prefix + "new snapshot", "none", fresh);
    }
    if (!failures.empty()) {
        std::string msg = "pg_dump failing did not lead to the expected outcome:";
        for (const auto& f : failures) {
            msg += "\n" + f;
        }
        throw drill::StepFailed(msg);
    }
}

void Postgres::pgDrop() {
    for (const auto& [job, db] : pgDatabases()) {
        must("runuser -u " + shellQuote(job->pgUser) + " -- dropdb " + shellQuote(db));
        auto left = mustPsql(*job, "postgres", "select count(*) from pg_database where datname = '" + db + "';\n");
        if (left.out != "0\n" && left.out != "0") {
            throw util::SystemError("database '" + db + "' still exists after dropdb");
        }
        note("dropped database " + db);
    }
}

void Postgres::pgRestore(unsigned number) {
    auto snaps = ctx_->ledger.snapshots.find(number);
    if (snaps == ctx_->ledger.snapshots.end()) {
        throw drill::StepFailed("backup " + std::to_string(number) + " made no snapshots to restore");
    }
    std::vector<std::string> failures;
    std::set<std::string> restored;
    for (const auto& [job, db] : pgDatabases()) {
        if (restored.insert(job->name).second) {
            if (job->restoreFile.empty()) {
                throw util::InputError("job " + job->name + " has databases but no rendered restore script");
            }
            const auto& id = snaps->second[job->name];
            if (id.empty()) {
                throw drill::StepFailed("job " + job->name + " made no snapshot in backup " + std::to_string(number));
            }
            // Exactly what an operator runs: the rendered script, with the snapshot's id.
            std::string cmd = "/usr/local/bin/" + job->restoreFile + " " + shellQuote(id);
            auto r = sh(cmd);
            note("$ " + cmd + "\n  exit " + std::to_string(r.exitCode) + "\n" + r.err);
            if (!r.succeeded()) {
                throw drill::StepFailed(job->restoreFile + " failed: " + ctx_->redactor.apply(r.describe()));
            }
        }
        pgCompare(*job, db, number, failures);
    }
    if (!failures.empty()) {
        std::string msg;
        for (const auto& f : failures) {
            msg += (msg.empty() ? "" : "\n") + f;
        }
        throw drill::StepFailed(msg);
    }
}

/// The restored database is one consistent point in time between the backup's bounds, and
/// every row is the generator's.
void Postgres::pgCompare(const DrillJob& job, const std::string& db, unsigned number,
                         std::vector<std::string>& failures) {
    auto seeded = pgSeedRows_[db];
    std::string kind = "case when i <= " + std::to_string(seeded) + " then 'seed' else 'writer' end";
    std::string sql =
        "select m.n, (select count(*) from nixdrill_rows), (select count(*) from nixdrill_rows where source = "
        "'seed'), coalesce((select min(id) from nixdrill_rows), 0), coalesce((select max(id) from "
        "nixdrill_rows), 0), (select count(*) from nixdrill_rows r where r.payload <> " +
        pgPayload(db, "r.id") + " or r.source <> " + std::string("case when r.id <= ") + std::to_string(seeded) +
        " then 'seed' else 'writer' end), (select md5(string_agg(id || ':' || source || ':' || payload, ',' "
        "order by id)) from nixdrill_rows), (select md5(string_agg(i || ':' || " +
        kind + " || ':' || " + pgPayload(db, "i") +
        ", ',' order by i)) from generate_series(1, m.n) i) from nixdrill_meta m where m.k = 'rows';\n";
    auto r = psql(job, db, sql);
    if (!r.succeeded()) {
        failures.push_back("database " + db + ": cannot read the restored rows: " + ctx_->redactor.apply(r.describe()));
        return;
    }
    auto fields = drill::psqlFields(r.out);
    if (fields.size() != 8) {
        throw util::SystemError("database " + db + ": unexpected psql output '" + r.out + "'");
    }
    unsigned long n = std::stoul(fields[0]);
    auto bounds = pgBounds_[number][db];
    note("database " + db + ": counter " + fields[0] + ", rows " + fields[1] + " (ids " + fields[3] + ".." + fields[4] +
         ", " + fields[2] + " seeded), " + fields[5] + " rows unlike the generator, checksum " + fields[6] +
         " (generator 1.." + fields[0] + ": " + fields[7] + "); backup " + std::to_string(number) +
         " ran between rows " + std::to_string(bounds.first) + " and " + std::to_string(bounds.second));
    auto expect = [&](bool ok, const std::string& what) {
        if (!ok) {
            failures.push_back("database " + db + ": " + what);
        }
    };
    expect(fields[1] == fields[0], "the counter says " + fields[0] + " rows, the table has " + fields[1] +
                                       " (not one transaction-consistent point)");
    expect(fields[3] == "1" && fields[4] == fields[0],
           "ids are " + fields[3] + ".." + fields[4] + ", expected 1.." + fields[0] + " without gaps");
    expect(fields[2] == std::to_string(seeded), fields[2] + " seeded rows, expected " + std::to_string(seeded));
    expect(fields[5] == "0", fields[5] + " rows differ from the generator");
    expect(fields[6] == fields[7], "checksum " + fields[6] + " differs from the generator's " + fields[7]);
    expect(n >= bounds.first && n <= bounds.second, "restored " + fields[0] + " rows, outside the backup's window " +
                                                        std::to_string(bounds.first) + ".." +
                                                        std::to_string(bounds.second));
}

FamilyPtr postgresFamily() {
    return std::make_unique<Postgres>();
}

} // namespace nixdrill::engine::steps
