// SPDX-License-Identifier: MIT
#include "gui/RuleForm.h"
#include "gui/RuleTableModel.h"
#include "gui/RulesDialog.h"
#include "support/TestConsole.h"
#include "support/TestSql.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace dmr::console;

// The rules dialog against a real console: what it saves is what the
// alerting API then answers, and what the service refuses is shown.
class TestRulesDialog : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void createsEditsAndDeletesARule();
    void refusalsOfTheServiceAreShown_data();
    void refusalsOfTheServiceAreShown();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<ConsoleService> m_service;
};

namespace {

// How many rules the console ships with (offline, disk twice, memory, CPU,
// report loss).
constexpr int kShippedRules = 6;

QAbstractButton *buttonNamed(QMessageBox *box, const QString &text)
{
    for (QAbstractButton *button : box->buttons()) {
        if (button->text() == text)
            return button;
    }
    return nullptr;
}

} // namespace

void TestRulesDialog::init()
{
    m_service = std::make_unique<ConsoleService>(TestConsole::config(
        m_dir.filePath(QStringLiteral("%1-%2.db")
                           .arg(QLatin1String(QTest::currentTestFunction()),
                               QString::fromUtf8(QTest::currentDataTag())
                                   .replace(QLatin1Char(' '), QLatin1Char('-'))))));
    QString error;
    QVERIFY2(m_service->start(&error), qPrintable(error));
    QVERIFY(m_service->alerts());
}

void TestRulesDialog::cleanup()
{
    m_service.reset();
}

void TestRulesDialog::createsEditsAndDeletesARule()
{
    RulesDialog dialog(m_service.get());
    QAbstractItemModelTester tester(dialog.model());
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_COMPARE(dialog.model()->rowCount(), kShippedRules);
    RuleForm *form = dialog.form();
    QCOMPARE(form->ruleId(), 0); // a new rule until one is picked

    // A new rule, every field set away from its default.
    form->nameEdit()->setText(QStringLiteral("Lab load"));
    form->metricBox()->setCurrentText(QStringLiteral("load_5"));
    form->comparisonBox()->setCurrentIndex(form->comparisonBox()->findData(QStringLiteral(">")));
    form->raiseBox()->setValue(3.5);
    form->separateClearBox()->setChecked(true);
    form->clearBox()->setValue(2.5);
    form->forBox()->setValue(120);
    form->severityBox()->setCurrentIndex(form->severityBox()->findData(QStringLiteral("critical")));
    form->setScope(RuleForm::Scope::Labels);
    form->scopeEdit()->setText(QStringLiteral("room=lab, rack=2"));
    form->enabledBox()->setChecked(false);
    QTest::mouseClick(dialog.saveButton(), Qt::LeftButton);
    QTRY_COMPARE(dialog.model()->rowCount(), kShippedRules + 1);
    QTRY_VERIFY(form->ruleId() > 0);
    const qint64 id = form->ruleId();
    QVERIFY2(dialog.statusLabel()->text().contains(QLatin1String("created")),
        qPrintable(dialog.statusLabel()->text()));

    QJsonObject rule = TestConsole::get(*m_service, QStringLiteral("rules/%1").arg(id)).toObject();
    QCOMPARE(rule[QLatin1String("name")].toString(), QStringLiteral("Lab load"));
    QCOMPARE(rule[QLatin1String("metric")].toString(), QStringLiteral("load_5"));
    QCOMPARE(rule[QLatin1String("comparison")].toString(), QStringLiteral(">"));
    QCOMPARE(rule[QLatin1String("raise")].toDouble(), 3.5);
    QCOMPARE(rule[QLatin1String("clear")].toDouble(), 2.5);
    QCOMPARE(rule[QLatin1String("for_seconds")].toDouble(), 120.0);
    QCOMPARE(rule[QLatin1String("severity")].toString(), QStringLiteral("critical"));
    QVERIFY(rule[QLatin1String("device")].isNull());
    QCOMPARE(rule[QLatin1String("labels")].toObject(),
        QJsonObject({{QStringLiteral("room"), QStringLiteral("lab")},
            {QStringLiteral("rack"), QStringLiteral("2")}}));
    QCOMPARE(rule[QLatin1String("enabled")].toBool(), false);
    // The table shows it as the service stored it.
    const int row = dialog.model()->rowOf(id);
    QVERIFY(row >= 0);
    QCOMPARE(dialog.table()->currentIndex().row(), row);
    const auto cell = [&dialog, row](int column) {
        return dialog.model()->index(row, column).data().toString();
    };
    QCOMPARE(cell(RuleTableModel::Name), QStringLiteral("Lab load"));
    QCOMPARE(cell(RuleTableModel::Comparison), QStringLiteral("above (>)"));
    QCOMPARE(cell(RuleTableModel::Raise), QStringLiteral("3.5"));
    QCOMPARE(cell(RuleTableModel::For), QStringLiteral("2 min"));
    QCOMPARE(cell(RuleTableModel::Scope), QStringLiteral("labels rack=2,room=lab"));
    QCOMPARE(cell(RuleTableModel::Enabled), QStringLiteral("no"));

    // Another rule picked, then this one again: the form shows what is stored.
    dialog.table()->selectRow(0);
    QCOMPARE(form->ruleId(),
        qint64(dialog.model()->index(0, 0).data(RuleTableModel::IdRole).toLongLong()));
    dialog.table()->selectRow(row);
    QCOMPARE(form->ruleId(), id);
    QCOMPARE(form->nameEdit()->text(), QStringLiteral("Lab load"));
    QCOMPARE(form->raiseBox()->value(), 3.5);
    QVERIFY(form->separateClearBox()->isChecked());
    QCOMPARE(form->clearBox()->value(), 2.5);
    QCOMPARE(form->forBox()->value(), 120);
    QCOMPARE(form->scopeEdit()->text(), QStringLiteral("rack=2,room=lab"));
    QVERIFY(!form->enabledBox()->isChecked());

    // Edited: a PUT of the form; every device now, enabled, clearing where it fires.
    form->raiseBox()->setValue(4);
    form->separateClearBox()->setChecked(false);
    form->setScope(RuleForm::Scope::Every);
    form->enabledBox()->setChecked(true);
    QTest::mouseClick(dialog.saveButton(), Qt::LeftButton);
    QTRY_VERIFY2(dialog.statusLabel()->text().contains(QLatin1String("saved")),
        qPrintable(dialog.statusLabel()->text()));
    rule = TestConsole::get(*m_service, QStringLiteral("rules/%1").arg(id)).toObject();
    QCOMPARE(rule[QLatin1String("raise")].toDouble(), 4.0);
    QCOMPARE(rule[QLatin1String("clear")].toDouble(), 4.0);
    QVERIFY(rule[QLatin1String("labels")].toObject().isEmpty());
    QCOMPARE(rule[QLatin1String("enabled")].toBool(), true);
    QCOMPARE(rule[QLatin1String("name")].toString(), QStringLiteral("Lab load"));
    QTRY_COMPARE(
        dialog.model()->index(dialog.model()->rowOf(id), RuleTableModel::Scope).data().toString(),
        QStringLiteral("every device"));
    QCOMPARE(dialog.model()->rowCount(), kShippedRules + 1);

    // Deleted, after a confirmation that can be declined.
    QTest::mouseClick(dialog.deleteButton(), Qt::LeftButton);
    QMessageBox *confirm = dialog.confirmation();
    QVERIFY(confirm);
    QVERIFY2(confirm->text().contains(QLatin1String("Lab load")), qPrintable(confirm->text()));
    confirm->button(QMessageBox::Cancel)->click();
    QTest::qWait(200);
    QCOMPARE(TestConsole::call(*m_service, "GET", QStringLiteral("rules/%1").arg(id))->status, 200);
    QTRY_VERIFY(!dialog.confirmation());
    QTest::mouseClick(dialog.deleteButton(), Qt::LeftButton);
    confirm = dialog.confirmation();
    QVERIFY(confirm);
    buttonNamed(confirm, QStringLiteral("Delete"))->click();
    QTRY_COMPARE(dialog.model()->rowCount(), kShippedRules);
    QCOMPARE(dialog.model()->rowOf(id), -1);
    QCOMPARE(TestConsole::call(*m_service, "GET", QStringLiteral("rules/%1").arg(id))->status, 404);
    QCOMPARE(form->ruleId(), 0);
    QVERIFY(!dialog.deleteButton()->isEnabled());
    TestSql::Connection sql(m_service->config().database);
    QCOMPARE(sql.value(QStringLiteral("SELECT COUNT(*) FROM alert_rules")).toInt(), kShippedRules);
}

void TestRulesDialog::refusalsOfTheServiceAreShown_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("metric");
    QTest::addColumn<int>("forSeconds");
    QTest::addColumn<double>("clear"); // NaN: none of its own
    QTest::addColumn<int>("scope");
    QTest::addColumn<QString>("scopeText");
    QTest::addColumn<QString>("error");

    const double none = qQNaN();
    const int every = int(RuleForm::Scope::Every);
    QTest::newRow("no name") << QString() << "cpu_percent" << 0 << none << every << QString()
                             << "a rule needs a name";
    QTest::newRow("loss over less than a minute")
        << "Loss"
        << "report_loss_percent" << 30 << none << every << QString() << "at least 60";
    QTest::newRow("clear on the wrong side")
        << "Hot"
        << "cpu_percent" << 0 << 95.0 << every << QString() << "healthy side";
    QTest::newRow("unknown device")
        << "Hot"
        << "cpu_percent" << 0 << none << int(RuleForm::Scope::Device) << "no-such-device"
        << "no device no-such-device";
    QTest::newRow("label without value")
        << "Hot"
        << "cpu_percent" << 0 << none << int(RuleForm::Scope::Labels) << "room lab"
        << "a label is name=value";
}

void TestRulesDialog::refusalsOfTheServiceAreShown()
{
    QFETCH(QString, name);
    QFETCH(QString, metric);
    QFETCH(int, forSeconds);
    QFETCH(double, clear);
    QFETCH(int, scope);
    QFETCH(QString, scopeText);
    QFETCH(QString, error);

    RulesDialog dialog(m_service.get());
    dialog.show();
    QTRY_COMPARE(dialog.model()->rowCount(), kShippedRules);
    RuleForm *form = dialog.form();
    form->nameEdit()->setText(name);
    form->metricBox()->setCurrentText(metric);
    form->raiseBox()->setValue(90);
    form->forBox()->setValue(forSeconds);
    if (!qIsNaN(clear)) {
        form->separateClearBox()->setChecked(true);
        form->clearBox()->setValue(clear);
    }
    form->setScope(RuleForm::Scope(scope));
    form->scopeEdit()->setText(scopeText);
    QTest::mouseClick(dialog.saveButton(), Qt::LeftButton);
    QTRY_VERIFY2(
        dialog.statusLabel()->text().contains(error), qPrintable(dialog.statusLabel()->text()));
    QVERIFY(dialog.statusLabel()->text().startsWith(QLatin1String("The rule was not saved")));
    // Nothing stored, the dialog still there with what was typed, ready to try again.
    QCOMPARE(TestConsole::get(*m_service, QStringLiteral("rules")).toArray().size(), kShippedRules);
    QVERIFY(dialog.isVisible());
    QCOMPARE(form->nameEdit()->text(), name);
    QCOMPARE(form->scopeEdit()->text(), scopeText);
    QCOMPARE(form->ruleId(), 0);
    QVERIFY(dialog.saveButton()->isEnabled());
}

QTEST_MAIN(TestRulesDialog)
#include "tst_rulesdialog.moc"
