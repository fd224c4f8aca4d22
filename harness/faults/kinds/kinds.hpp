///@file The catalogue's fault kinds, one factory each (kinds/<kind>.cpp); catalogue.cpp lists them.
#pragma once

#include "faults/kind.hpp"

#include <memory>

namespace nixdrill::faults::kinds {

using KindPtr = std::unique_ptr<const FaultKind>;

KindPtr wrongPassword();
KindPtr repositoryMissing();
KindPtr preBackupHookFails();
KindPtr bitFlip();
KindPtr deleteIndex();
KindPtr killMidBackup();
KindPtr powerLoss();
KindPtr repositoryDiskFull();
KindPtr unitRefusesToStop();
KindPtr clockJump();
KindPtr ioErrors();
KindPtr zfsStaleSnapshot();
KindPtr zfsPoolFull();

} // namespace nixdrill::faults::kinds
