// SPDX-License-Identifier: MIT
#include "gui/RuleTableModel.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace dmr::console;

// The rules dialog's table, from the API's JSON of rules.
class TestRuleTableModel : public QObject
{
    Q_OBJECT
private slots:
    void showsARulePerRow_data();
    void showsARulePerRow();
    void findsRulesById();
};

void TestRuleTableModel::showsARulePerRow_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("shown");

    const QByteArray disk = "{\"id\":2,\"name\":\"Disk full\",\"metric\":\"disk_percent\","
                            "\"comparison\":\">\",\"raise\":95,\"clear\":90,\"for_seconds\":600,"
                            "\"severity\":\"critical\",\"device\":null,\"labels\":{},"
                            "\"enabled\":true}";
    QTest::newRow("name") << disk << int(RuleTableModel::Name) << "Disk full";
    QTest::newRow("above") << disk << int(RuleTableModel::Comparison) << "above (>)";
    QTest::newRow("raise") << disk << int(RuleTableModel::Raise) << "95";
    QTest::newRow("clear") << disk << int(RuleTableModel::Clear) << "90";
    QTest::newRow("for") << disk << int(RuleTableModel::For) << "10 min";
    QTest::newRow("every device") << disk << int(RuleTableModel::Scope) << "every device";
    QTest::newRow("enabled") << disk << int(RuleTableModel::Enabled) << "yes";
    const QByteArray rate = "{\"id\":9,\"name\":\"Quiet link\",\"metric\":\"rx_rate\","
                            "\"comparison\":\"<\",\"raise\":125000000.5,\"clear\":130000000,"
                            "\"for_seconds\":0,\"severity\":\"warning\",\"device\":\"9b1c\","
                            "\"labels\":{\"room\":\"lab\"},\"enabled\":false}";
    QTest::newRow("below") << rate << int(RuleTableModel::Comparison) << "below (<)";
    QTest::newRow("large threshold, as typed")
        << rate << int(RuleTableModel::Raise) << "125000000.5";
    QTest::newRow("device and labels")
        << rate << int(RuleTableModel::Scope) << "device 9b1c, labels room=lab";
    QTest::newRow("disabled") << rate << int(RuleTableModel::Enabled) << "no";
    const QByteArray offline = "{\"id\":1,\"name\":\"Offline\",\"metric\":\"offline\","
                               "\"comparison\":\">\",\"raise\":0,\"clear\":0,\"for_seconds\":0,"
                               "\"severity\":\"critical\",\"device\":null,"
                               "\"labels\":{\"role\":\"gateway\"},\"enabled\":true}";
    QTest::newRow("offline: no thresholds") << offline << int(RuleTableModel::Raise) << "";
    QTest::newRow("offline: no comparison") << offline << int(RuleTableModel::Comparison) << "";
    QTest::newRow("labels") << offline << int(RuleTableModel::Scope) << "labels role=gateway";
}

void TestRuleTableModel::showsARulePerRow()
{
    QFETCH(QByteArray, json);
    QFETCH(int, column);
    QFETCH(QString, shown);
    RuleTableModel model;
    QAbstractItemModelTester tester(&model);
    model.setRules({QJsonDocument::fromJson(json).object()});
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, column).data().toString(), shown);
}

void TestRuleTableModel::findsRulesById()
{
    RuleTableModel model;
    QAbstractItemModelTester tester(&model);
    model.setRules({QJsonObject {
                        {QStringLiteral("id"), 4.0}, {QStringLiteral("name"), QStringLiteral("a")}},
        QJsonObject {{QStringLiteral("id"), 7.0}, {QStringLiteral("name"), QStringLiteral("b")}}});
    QCOMPARE(model.rowOf(7), 1);
    QCOMPARE(model.rowOf(5), -1);
    QCOMPARE(model.index(1, 0).data(RuleTableModel::IdRole).toLongLong(), 7);
    QCOMPARE(model.rule(1)[QLatin1String("name")].toString(), QStringLiteral("b"));
    QVERIFY(model.rule(2).isEmpty());
    model.setRules({});
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestRuleTableModel)
#include "tst_ruletablemodel.moc"
