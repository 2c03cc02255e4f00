// SPDX-License-Identifier: MIT
#pragma once

#include "auth/AccountService.h"

#include <QObject>
#include <memory>

namespace dmr::console {

class AccountStore;
class Database;

// Accounts for the window, on a thread of their own with a database
// connection of their own, so that no dialog waits on SQL or on a password
// being hashed. Made on the accounts thread's side: open() there, then
// handle() each request there.
class AccountHost : public QObject
{
    Q_OBJECT
public:
    explicit AccountHost(QString databasePath);
    ~AccountHost() override;

    AccountReply handle(const AccountRequest &request);

private:
    bool open(QString *error);

    QString m_databasePath;
    std::unique_ptr<Database> m_database;
    std::unique_ptr<AccountStore> m_store;
    std::unique_ptr<AccountService> m_service;
};

} // namespace dmr::console
