// SPDX-License-Identifier: MIT
// The window's users and tokens against a real console: what the dialog
// does is what the accounts then hold, as the window's own admin, and what
// the accounts refuse is shown.
#include "auth/AccountStore.h"
#include "auth/Secret.h"
#include "gui/AccountsDialog.h"
#include "gui/JsonTableModel.h"
#include "store/Database.h"
#include "support/TestConsole.h"

#include <QAbstractItemModelTester>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dmr::console;

class TestAccountsDialog : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void addsUsersAndShowsThem();
    void tokenIsShownOnceAndRevoked();
    void refusalsAreShown();
    void auditLogNamesTheDesktopUser();

private:
    // Waits for the dialog's three lists after a change.
    bool refreshed(AccountsDialog &dialog);
    QString databasePath() const
    {
        return m_dir.filePath(QLatin1String(QTest::currentTestFunction()) + QStringLiteral(".db"));
    }
    QTemporaryDir m_dir;
    std::unique_ptr<ConsoleService> m_service;
};

void TestAccountsDialog::init()
{
    qputenv("USER", "tester");
    m_service = std::make_unique<ConsoleService>(TestConsole::config(databasePath()));
    QString error;
    QVERIFY2(m_service->start(&error), qPrintable(error));
}

void TestAccountsDialog::cleanup()
{
    m_service.reset();
}

bool TestAccountsDialog::refreshed(AccountsDialog &dialog)
{
    QSignalSpy spy(&dialog, &AccountsDialog::refreshed);
    return spy.wait(10000);
}

void TestAccountsDialog::addsUsersAndShowsThem()
{
    AccountsDialog dialog(m_service.get());
    QAbstractItemModelTester users(dialog.users());
    QAbstractItemModelTester tokens(dialog.tokens());
    dialog.show();
    QVERIFY(refreshed(dialog));
    QCOMPARE(dialog.users()->rowCount(), 0);

    // Typed into the form and clicked, as a person would.
    dialog.findChild<QLineEdit *>(QStringLiteral("newName"))->setText(QStringLiteral("alice"));
    dialog.findChild<QLineEdit *>(QStringLiteral("newPassword"))
        ->setText(QStringLiteral("alice-pass-123"));
    dialog.findChild<QPushButton *>(QStringLiteral("addUser"))->click();
    QVERIFY(refreshed(dialog));
    QCOMPARE(dialog.users()->rowCount(), 1);
    QCOMPARE(dialog.users()->index(0, 0).data().toString(), QStringLiteral("alice"));
    QCOMPARE(dialog.users()->index(0, 1).data().toString(), QStringLiteral("viewer"));
    QCOMPARE(dialog.users()->index(0, 2).data().toString(), QStringLiteral("never"));
    QVERIFY(dialog.status().contains(QStringLiteral("alice")));
    // The password field is emptied, and what is stored is a hash of it.
    QVERIFY(dialog.findChild<QLineEdit *>(QStringLiteral("newPassword"))->text().isEmpty());
    dialog.setRole(QStringLiteral("alice"), QStringLiteral("admin"));
    QVERIFY(refreshed(dialog));
    QCOMPARE(dialog.users()->index(0, 1).data().toString(), QStringLiteral("admin"));

    Database database(QStringLiteral("check"));
    QString error;
    QVERIFY(database.open(databasePath(), &error));
    AccountStore store(database.sql());
    const auto alice = store.user(QStringLiteral("alice"), &error);
    QVERIFY(alice && *alice);
    QCOMPARE((*alice)->role, Role::Admin);
    QVERIFY(Secret::verifyPassword((*alice)->passwordHash, QStringLiteral("alice-pass-123")));
}

void TestAccountsDialog::tokenIsShownOnceAndRevoked()
{
    AccountsDialog dialog(m_service.get());
    dialog.show();
    QVERIFY(refreshed(dialog));
    dialog.addUser(
        QStringLiteral("prom"), QStringLiteral("prom-pass-123"), QStringLiteral("viewer"));
    QVERIFY(refreshed(dialog));
    dialog.createToken(
        QStringLiteral("prom"), QStringLiteral("prometheus"), QStringLiteral("viewer"), 30);
    QVERIFY(refreshed(dialog));
    const QString secret = dialog.shownSecret();
    QVERIFY2(secret.startsWith(QStringLiteral("dmr_")), qPrintable(secret));
    QCOMPARE(dialog.tokens()->rowCount(), 1);
    const QJsonObject token = dialog.tokens()->row(0);
    QCOMPARE(token[QStringLiteral("name")].toString(), QStringLiteral("prometheus"));
    QVERIFY(!token.contains(QStringLiteral("token")));
    QVERIFY(!token[QStringLiteral("expires_at")].isNull());
    // The list never holds the secret, only the one answer did.
    for (int row = 0; row < dialog.tokens()->rowCount(); ++row) {
        for (int column = 0; column < dialog.tokens()->columnCount(); ++column)
            QVERIFY(!dialog.tokens()->index(row, column).data().toString().contains(secret));
    }
    dialog.revokeToken(qint64(token[QStringLiteral("id")].toDouble()));
    QVERIFY(refreshed(dialog));
    QCOMPARE(dialog.tokens()->row(0)[QStringLiteral("revoked")].toBool(), true);
    QCOMPARE(dialog.tokens()->index(0, 6).data().toString(), QStringLiteral("yes"));
}

void TestAccountsDialog::refusalsAreShown()
{
    AccountsDialog dialog(m_service.get());
    dialog.show();
    QVERIFY(refreshed(dialog));
    QSignalSpy failed(&dialog, &AccountsDialog::failed);
    dialog.addUser(QStringLiteral("bob"), QStringLiteral("short"), QStringLiteral("viewer"));
    QVERIFY(failed.wait(10000));
    QVERIFY2(dialog.status().contains(QStringLiteral("at least 8 characters")),
        qPrintable(dialog.status()));
    dialog.addUser(QStringLiteral("bob"), QStringLiteral("bob-pass-123"), QStringLiteral("viewer"));
    QVERIFY(refreshed(dialog));
    // A viewer's token with an admin's role: the accounts refuse, the dialog says so.
    dialog.createToken(QStringLiteral("bob"), QStringLiteral("x"), QStringLiteral("admin"), 0);
    QVERIFY(failed.wait(10000));
    QVERIFY2(dialog.status().contains(QStringLiteral("at most its owner's")),
        qPrintable(dialog.status()));
    QVERIFY(dialog.shownSecret().isEmpty());
}

void TestAccountsDialog::auditLogNamesTheDesktopUser()
{
    AccountsDialog dialog(m_service.get());
    dialog.show();
    QVERIFY(refreshed(dialog));
    dialog.addUser(
        QStringLiteral("carol"), QStringLiteral("carol-pass-1"), QStringLiteral("operator"));
    QVERIFY(refreshed(dialog));
    dialog.deleteUser(QStringLiteral("carol"));
    QVERIFY(refreshed(dialog));
    QCOMPARE(dialog.users()->rowCount(), 0);
    QVERIFY(dialog.audit()->rowCount() >= 2);
    const QJsonObject newest = dialog.audit()->row(0);
    QCOMPARE(newest[QStringLiteral("user")].toString(), QStringLiteral("desktop:tester"));
    QCOMPARE(
        newest[QStringLiteral("action")].toString(), QStringLiteral("DELETE /api/users/carol/"));
    QCOMPARE(newest[QStringLiteral("address")].toString(), QStringLiteral("local"));
    QCOMPARE(newest[QStringLiteral("status")].toInt(), 204);
}

QTEST_MAIN(TestAccountsDialog)
#include "tst_accountsdialog.moc"
