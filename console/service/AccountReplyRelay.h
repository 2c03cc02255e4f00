// SPDX-License-Identifier: MIT
#pragma once

#include "auth/AccountService.h"

#include <QObject>

namespace dmr::console {

// Carries one accounts reply from the accounts thread to whoever asked, by a
// queued connection to the asker: Qt drops it when the asker is deleted
// first (a dialog closed before its answer came).
class AccountReplyRelay : public QObject
{
    Q_OBJECT
signals:
    void answered(const dmr::console::AccountReply &reply);
};

} // namespace dmr::console
