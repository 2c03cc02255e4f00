// SPDX-License-Identifier: MIT
#include "service/AccountHost.h"

#include "auth/AccountStore.h"
#include "store/Database.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace dmr::console {

AccountHost::AccountHost(QString databasePath)
    : m_databasePath(std::move(databasePath))
{ }

AccountHost::~AccountHost() = default;

bool AccountHost::open(QString *error)
{
    auto database = std::make_unique<Database>(
        QStringLiteral("accounts-%1").arg(reinterpret_cast<quintptr>(this), 0, 16));
    if (!database->open(m_databasePath, error))
        return false;
    m_database = std::move(database);
    m_store = std::make_unique<AccountStore>(m_database->sql());
    m_service = std::make_unique<AccountService>(m_store.get());
    return true;
}

AccountReply AccountHost::handle(const AccountRequest &request)
{
    QString error;
    // Opened at the first request, and again after a failure: a database
    // that was away may be back.
    if (!m_service && !open(&error)) {
        return {503,
            QJsonDocument(QJsonObject {{QStringLiteral("error"),
                              QStringLiteral("cannot open the accounts: %1").arg(error)}})
                .toJson(QJsonDocument::Compact)};
    }
    return m_service->handle(request);
}

} // namespace dmr::console
