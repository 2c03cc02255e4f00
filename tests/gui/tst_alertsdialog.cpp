// SPDX-License-Identifier: MIT
#include "gui/AlertTableModel.h"
#include "gui/AlertsDialog.h"
#include "support/TestConsole.h"
#include "support/TestSql.h"
#include "support/TestWidgets.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace dmr::console;

// The alerts dialog against a real console that raises a real alert from
// reports sent over UDP: it shows up without asking, is acknowledged as the
// person at the desk and silenced, and leaves the firing list when it ends.
class TestAlertsDialog : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void acknowledgesAndSilencesAFiringAlert();
    void resolvedAlertsStayInTheHistoryOnly();

private:
    // A rule that fires on any report at once; its id.
    qint64 addBusyRule();
    QJsonObject alertOf(qint64 id);

    QTemporaryDir m_dir;
    std::unique_ptr<ConsoleService> m_service;
};

namespace {

qint64 minutesFromNow(const QJsonValue &iso)
{
    const QDateTime time = QDateTime::fromString(iso.toString(), Qt::ISODateWithMs);
    return time.isValid() ? QDateTime::currentDateTime().secsTo(time) / 60 : -1;
}

} // namespace

void TestAlertsDialog::init()
{
    // Who acknowledges: the login name, as the desktop's session sets it.
    qputenv("USER", "ana");
    m_service = std::make_unique<ConsoleService>(TestConsole::config(
        m_dir.filePath(QStringLiteral("%1.db").arg(QTest::currentTestFunction()))));
    QString error;
    QVERIFY2(m_service->start(&error), qPrintable(error));
    QVERIFY(m_service->alerts());
}

void TestAlertsDialog::cleanup()
{
    m_service.reset();
}

qint64 TestAlertsDialog::addBusyRule()
{
    // The test reports' CPU is above 0 % (0.37 % and up).
    const std::optional<AlertReply> created
        = TestConsole::call(*m_service, "POST", QStringLiteral("rules"),
            "{\"name\":\"Busy\",\"metric\":\"cpu_percent\",\"raise\":0,\"for_seconds\":0}");
    if (!created || created->status != 201)
        return 0;
    return qint64(QJsonDocument::fromJson(created->json).object()[QLatin1String("id")].toDouble());
}

QJsonObject TestAlertsDialog::alertOf(qint64 id)
{
    return TestConsole::get(*m_service, QStringLiteral("alerts/%1").arg(id)).toObject();
}

void TestAlertsDialog::acknowledgesAndSilencesAFiringAlert()
{
    QVERIFY(addBusyRule() > 0);
    AlertsDialog dialog(m_service.get());
    QAbstractItemModelTester tester(dialog.model());
    QSignalSpy answered(&dialog, &AlertsDialog::answered);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE(answered.size(), 1);
    QCOMPARE(dialog.model()->rowCount(), 0);

    // Raised by reports, announced by alerting: the dialog does not ask again.
    TestConsole::sendReports(m_service->udpPort(), 3, 3);
    QTRY_COMPARE_WITH_TIMEOUT(dialog.model()->rowCount(), 1, 10000);
    QCOMPARE(answered.size(), 1);
    const QJsonObject raised = dialog.model()->alert(0);
    const qint64 id = qint64(raised[QLatin1String("id")].toDouble());
    QCOMPARE(raised[QLatin1String("rule")].toString(), QStringLiteral("Busy"));
    QCOMPARE(dialog.model()->index(0, AlertTableModel::State).data().toString(),
        QStringLiteral("firing"));
    QCOMPARE(
        dialog.model()->index(0, AlertTableModel::Rule).data().toString(), QStringLiteral("Busy"));

    // Nothing selected, nothing to do.
    QVERIFY(!dialog.acknowledgeButton()->isEnabled());
    QVERIFY(!dialog.silenceButton()->isEnabled());
    QVERIFY(dialog.selectAlert(id));
    QVERIFY(dialog.acknowledgeButton()->isEnabled());
    QVERIFY(dialog.silenceButton()->isEnabled());

    // Acknowledged as the person at the desk, in the store and in the table.
    QTest::mouseClick(dialog.acknowledgeButton(), Qt::LeftButton);
    QTRY_COMPARE(dialog.model()->index(0, AlertTableModel::Acknowledged).data().toString(),
        QStringLiteral("desktop:ana"));
    QCOMPARE(
        alertOf(id)[QLatin1String("acknowledged_by")].toString(), QStringLiteral("desktop:ana"));
    TestSql::Connection sql(m_service->config().database);
    QCOMPARE(sql.value(QStringLiteral("SELECT acknowledged_by FROM alerts WHERE id = %1").arg(id))
                 .toString(),
        QStringLiteral("desktop:ana"));
    QVERIFY(!dialog.acknowledgeButton()->isEnabled()); // once is enough
    QVERIFY(dialog.silenceButton()->isEnabled());
    QVERIFY2(dialog.statusLabel()->text().contains(QLatin1String("acknowledged")),
        qPrintable(dialog.statusLabel()->text()));

    // Silenced for a choice of the menu, for a custom time, and no more.
    QMenu *menu = dialog.silenceButton()->menu();
    QVERIFY(menu);
    TestWidgets::actionNamed(menu, QStringLiteral("4 hours"))->trigger();
    QTRY_VERIFY(!alertOf(id)[QLatin1String("silenced_until")].isNull());
    QVERIFY2(qAbs(minutesFromNow(alertOf(id)[QLatin1String("silenced_until")]) - 240) <= 1,
        qPrintable(alertOf(id)[QLatin1String("silenced_until")].toString()));
    QTRY_VERIFY(
        !dialog.model()->index(0, AlertTableModel::SilencedUntil).data().toString().isEmpty());

    TestWidgets::actionNamed(menu, QStringLiteral("Custom…"))->trigger();
    auto *custom = dialog.findChild<QInputDialog *>();
    QVERIFY(custom);
    QTRY_VERIFY(custom->isVisible());
    custom->setIntValue(30);
    custom->accept();
    QTRY_VERIFY(qAbs(minutesFromNow(alertOf(id)[QLatin1String("silenced_until")]) - 30 * 60) <= 1);

    TestWidgets::actionNamed(menu, QStringLiteral("End the silence"))->trigger();
    QTRY_VERIFY(alertOf(id)[QLatin1String("silenced_until")].isNull());
    QTRY_VERIFY(
        dialog.model()->index(0, AlertTableModel::SilencedUntil).data().toString().isEmpty());
    QVERIFY2(dialog.statusLabel()->text().contains(QLatin1String("ended")),
        qPrintable(dialog.statusLabel()->text()));
}

void TestAlertsDialog::resolvedAlertsStayInTheHistoryOnly()
{
    const qint64 rule = addBusyRule();
    QVERIFY(rule > 0);
    TestConsole::sendReports(m_service->udpPort(), 4, 2);
    QTRY_COMPARE_WITH_TIMEOUT(
        TestConsole::get(*m_service, QStringLiteral("alerts")).toArray().size(), 1, 10000);

    AlertsDialog history(m_service.get());
    AlertsDialog firing(m_service.get());
    QAbstractItemModelTester historyTester(history.model());
    QAbstractItemModelTester firingTester(firing.model());
    firing.showBox()->setCurrentIndex(firing.showBox()->findData(int(AlertsDialog::Show::Firing)));
    // Its list is read twice (all, then what fires); the answers come in order.
    QTRY_VERIFY(firing.model()->firingOnly());
    QCOMPARE(firing.model()->rowCount(), 1);
    QTRY_COMPARE(history.model()->rowCount(), 1);
    QVERIFY(!history.model()->firingOnly());

    // The rule goes, its alert ends: announced, and each list follows.
    QCOMPARE(
        TestConsole::call(*m_service, "DELETE", QStringLiteral("rules/%1").arg(rule))->status, 204);
    QTRY_COMPARE(firing.model()->rowCount(), 0);
    QTRY_COMPARE(history.model()->index(0, AlertTableModel::State).data().toString(),
        QStringLiteral("resolved"));
    QCOMPARE(history.model()->rowCount(), 1);
    QVERIFY(!history.model()->index(0, AlertTableModel::Cleared).data().toString().isEmpty());
    QCOMPARE(history.model()->index(0, AlertTableModel::Rule).data().toString(),
        QStringLiteral("(rule removed)"));
    // What is resolved is neither acknowledged nor silenced from here.
    QVERIFY(history.selectAlert(qint64(history.model()->alert(0)[QLatin1String("id")].toDouble())));
    QVERIFY(!history.acknowledgeButton()->isEnabled());
    QVERIFY(!history.silenceButton()->isEnabled());
    // Read again, the history has it too.
    history.refresh();
    QTRY_COMPARE(history.model()->rowCount(), 1);
    QCOMPARE(history.model()->index(0, AlertTableModel::State).data().toString(),
        QStringLiteral("resolved"));
}

QTEST_MAIN(TestAlertsDialog)
#include "tst_alertsdialog.moc"
