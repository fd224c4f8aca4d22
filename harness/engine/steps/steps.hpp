///@file The step families of a drill (docs/architecture.md): one factory each, listed by the
/// registry (engine/drill/registry.cpp).
#pragma once

#include "engine/drill/family.hpp"

#include <memory>

namespace nixdrill::engine::steps {

using FamilyPtr = std::unique_ptr<drill::StepFamily>;

FamilyPtr provisionFamily();  ///< the drill's first case: boot, install, secrets, seed
FamilyPtr backupFamily();     ///< backup: run the jobs, judge the run, record the snapshots
FamilyPtr captureFamily();    ///< what restic read: each job's data listed as restic begins
FamilyPtr restoreFamily();    ///< restore: restic restore --verify, compare with the manifest
FamilyPtr serviceFamily();    ///< check-service: services start and pass their readiness checks
FamilyPtr dataFamily();       ///< mutate, damage: change the live data
FamilyPtr repositoryFamily(); ///< verify-repository: restic check
FamilyPtr metricsFamily();    ///< check-metrics: the jobs' .prom files
FamilyPtr retentionFamily();  ///< advance-clock (and the retention model faults check)
FamilyPtr faultsFamily();     ///< backups with a fault, inject steps
FamilyPtr postgresFamily();   ///< pg-*: PostgreSQL dumps, pgBackRest point in time; pgWriter
FamilyPtr zfsFamily();        ///< drill.zfs: the pool, snapshot captures, paths mapped back
FamilyPtr writersFamily();    ///< fileWriter: a writer during the backup, its invariant after restores
FamilyPtr workloadFamily();   ///< exec steps and a backup's writer of a real service
FamilyPtr auditFamily();      ///< audit-state: files written that no contract declares
FamilyPtr containersFamily(); ///< container-backup, container-restore: archives of podman containers' volumes

} // namespace nixdrill::engine::steps
