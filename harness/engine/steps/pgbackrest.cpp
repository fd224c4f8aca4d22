///@file pgBackRest (docs/drill-format.md, "PostgreSQL", point in time): WAL archiving into the
/// repository the job backs up, two commits around a target time, the server lost and brought
/// back by the rendered pitr script to exactly the earlier commit.
#include "engine/drill/text.hpp"
#include "engine/steps/postgres.hpp"
#include "guest/errors.hpp"

namespace nixdrill::engine::steps {

using guest::shellQuote;

std::vector<const DrillJob*> Postgres::pgBackRestJobs() const {
    std::vector<const DrillJob*> out;
    for (const auto& job : ctx_->plan.jobs) {
        if (!job.pgStanza.empty()) {
            out.push_back(&job);
        }
    }
    return out;
}

/// pgBackRest's own configuration is the operator's (docs/backup-module.md): the drill writes
/// what a minimal real one has — the stanza's data directory, the repository the job backs up,
/// and WAL archiving into it — before the cluster first starts.
void Postgres::pgConfigureBackRest() {
    auto jobs = pgBackRestJobs();
    if (jobs.empty()) {
        return;
    }
    if (jobs.size() > 1) {
        throw util::InputError("pgBackRest drills support one job with pgbackrest enabled (the guest has one cluster)");
    }
    const auto& job = *jobs.front();
    std::string conf = "[global]\nrepo1-path=" + job.pgRepoPath +
                       "\nrepo1-retention-full=4\nstart-fast=y\nlog-level-console=warn\nlog-level-file=off\n\n[" +
                       job.pgStanza + "]\npg1-path=$data\npg1-socket-path=/var/run/postgresql\n";
    must("set -e; ver=$(ls /usr/lib/postgresql | sort -n | tail -n 1); data=/var/lib/postgresql/$ver/main\n"
         "cat >/etc/pgbackrest.conf <<EOF\n" +
         conf +
         "EOF\n"
         "mkdir -p " +
         shellQuote(job.pgRepoPath) +
         " /var/log/pgbackrest /var/spool/pgbackrest\n"
         "chown postgres:postgres " +
         shellQuote(job.pgRepoPath) +
         " /var/log/pgbackrest /var/spool/pgbackrest\n"
         "chmod 0750 " +
         shellQuote(job.pgRepoPath) +
         "\n"
         "cat >/etc/postgresql/$ver/main/conf.d/nixdrill-pgbackrest.conf <<EOF\n"
         "archive_mode = on\narchive_command = 'pgbackrest --stanza=" +
         job.pgStanza +
         " archive-push %p'\n"
         "EOF");
    note("pgBackRest stanza " + job.pgStanza + " (job " + job.name + "): repository " + job.pgRepoPath +
         ", WAL archived with archive-push\n" + must("cat /etc/pgbackrest.conf").out);
}

/// The databases of the pgBackRest job (every drill database when it has none: they are all
/// in its cluster).
std::vector<std::pair<const DrillJob*, std::string>> Postgres::pgPitrDatabases() {
    auto jobs = pgBackRestJobs();
    if (jobs.empty() || pgSeedRows_.empty()) {
        throw util::InputError("pg-pitr-*: needs a job with backup.postgres.pgbackrest enabled and a pg-seed step");
    }
    return pgDatabases();
}

/// A row 'before' committed, the target time taken after it, a row 'after' committed a second
/// later; then `pgbackrest check` switches the WAL and waits until it is archived, so a
/// backup after this step carries both commits in the archive.
void Postgres::pgPitrMark() {
    auto dbs = pgPitrDatabases();
    const auto& job = *pgBackRestJobs().front();
    for (const auto& [j, db] : dbs) {
        mustPsql(*j, db,
                 "create table if not exists nixdrill_pitr (mark text primary key, at timestamptz not null "
                 "default clock_timestamp());\ndelete from nixdrill_pitr;\ninsert into nixdrill_pitr(mark) values "
                 "('before');\n");
    }
    sh("sleep 1");
    auto target = drill::trimmed(
        mustPsql(job, "postgres",
                 "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00';\n")
            .out);
    sh("sleep 1");
    for (const auto& [j, db] : dbs) {
        mustPsql(*j, db, "insert into nixdrill_pitr(mark) values ('after');\n");
    }
    auto check =
        sh("runuser -u " + shellQuote(job.pgUser) + " -- pgbackrest --stanza=" + shellQuote(job.pgStanza) + " check");
    if (!check.succeeded()) {
        throw drill::StepFailed("pgbackrest check (WAL switch and archive) failed: " +
                                ctx_->redactor.apply(check.describe()));
    }
    pitrTarget_ = target;
    std::string marks;
    for (const auto& [j, db] : dbs) {
        marks += "\n" + db + ": " +
                 drill::trimmed(mustPsql(*j, db,
                                         "select string_agg(mark || ' ' || at, ', ' order by at) "
                                         "from nixdrill_pitr;\n")
                                    .out);
    }
    note("target time " + target + " lies between the commits" + marks +
         "\nthe WAL holding both is archived (pgbackrest check)");
}

/// The server is lost (stopped, data directory and pgBackRest repository emptied); the
/// rendered pitr-<job>.sh brings the repository back from backup `number`'s restic snapshot
/// and restores to the target time; after the start, 'before' must be there and 'after' not,
/// and the rows one consistent point.
void Postgres::pgPitrRestore(unsigned number) {
    auto dbs = pgPitrDatabases();
    const auto& job = *pgBackRestJobs().front();
    if (pitrTarget_.empty()) {
        throw util::InputError("pg-pitr-restore: needs a pg-pitr-mark step before it");
    }
    if (job.pitrFile.empty()) {
        throw util::InputError("job " + job.name + " has pgBackRest but no rendered pitr script");
    }
    auto snaps = ctx_->ledger.snapshots.find(number);
    if (snaps == ctx_->ledger.snapshots.end() || snaps->second[job.name].empty()) {
        throw drill::StepFailed("backup " + std::to_string(number) + " made no snapshot of job " + job.name);
    }
    const auto& id = snaps->second[job.name];
    note("pgBackRest's backup sets before the loss:\n" +
         sh("runuser -u " + shellQuote(job.pgUser) + " -- pgbackrest --stanza=" + shellQuote(job.pgStanza) + " info")
             .out);
    // Debian's postgresql.service only fronts postgresql@<ver>-main: stop both and wait for the
    // postmaster to be gone, or the deletion below races its own cleanup (postmaster.pid).
    must("systemctl stop postgresql.service 'postgresql@*.service'; for i in $(seq 120); do "
         "pgrep -x postgres >/dev/null || break; sleep 0.5; done; ! pgrep -x postgres >/dev/null");
    must("set -e; ver=$(ls /usr/lib/postgresql | sort -n | tail -n 1); find /var/lib/postgresql/$ver/main "
         "-mindepth 1 -delete; find " +
         shellQuote(job.pgRepoPath) + " -mindepth 1 -delete");
    note("server lost: PostgreSQL stopped, its data directory and " + job.pgRepoPath + " emptied");
    std::string cmd = "/usr/local/bin/" + job.pitrFile + " " + shellQuote(pitrTarget_) + " " + shellQuote(id);
    auto r = sh(cmd);
    note("$ " + cmd + "\n  exit " + std::to_string(r.exitCode) + "\n" + r.err);
    if (!r.succeeded()) {
        throw drill::StepFailed(job.pitrFile + " failed: " + ctx_->redactor.apply(r.describe()));
    }
    must("systemctl start postgresql.service");
    bool promoted = false;
    for (int i = 0; i < 240 && !promoted; ++i) {
        auto q = psql(job, "postgres", "select pg_is_in_recovery();\n");
        promoted = q.succeeded() && drill::trimmed(q.out) == "f";
        if (!promoted) {
            sh("sleep 0.5");
        }
    }
    if (!promoted) {
        throw drill::StepFailed("PostgreSQL did not finish recovery to " + pitrTarget_ + " within 120 s: " +
                                sh("ls /var/log/postgresql && tail -n 30 /var/log/postgresql/*.log").out);
    }
    // PostgreSQL's own account of where recovery stopped and from which backup it started.
    note(sh("grep -hE 'starting point-in-time recovery|recovery stopping|restored log file|selected new timeline' "
            "/var/log/postgresql/*.log | tail -n 12")
             .out);
    std::vector<std::string> failures;
    for (const auto& [j, db] : dbs) {
        auto marks = psql(*j, db, "select coalesce(string_agg(mark, ',' order by mark), '') from nixdrill_pitr;\n");
        auto got = marks.succeeded() ? drill::trimmed(marks.out) : "(cannot read: " + drill::trimmed(marks.err) + ")";
        note("database " + db + " at " + pitrTarget_ + ": marks '" + got + "'");
        if (got != "before") {
            failures.push_back("database " + db + ": restored to " + pitrTarget_ + " it holds marks '" + got +
                               "', expected exactly 'before' (committed before the target; 'after' after it)");
        }
        auto rows = psql(*j, db,
                         "select (select n from nixdrill_meta where k = 'rows') = (select count(*) from "
                         "nixdrill_rows);\n");
        if (!rows.succeeded() || drill::trimmed(rows.out) != "t") {
            failures.push_back("database " + db + ": the row counter and the rows disagree after the restore");
        }
    }
    if (!failures.empty()) {
        std::string msg;
        for (const auto& f : failures) {
            msg += (msg.empty() ? "" : "\n") + f;
        }
        throw drill::StepFailed(msg);
    }
}

/// One transient unit per database, inserting a row per transaction for as long as it runs.
} // namespace nixdrill::engine::steps
