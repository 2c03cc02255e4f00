// SPDX-License-Identifier: MIT
#include "gui/AlertTableModel.h"

#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

using namespace dmr::console;

// The alerts dialog's model: a list answered, then kept current by the
// changes alerting announces, without asking again.
class TestAlertTableModel : public QObject
{
    Q_OBJECT
private slots:
    void showsTheApisFields();
    void appliesAnnouncedChanges_data();
    void appliesAnnouncedChanges();
};

namespace {

QJsonObject alert(qint64 id, const QString &state, const QJsonValue &acknowledgedBy = {})
{
    return {{QStringLiteral("id"), double(id)}, {QStringLiteral("rule"), QStringLiteral("Hot")},
        {QStringLiteral("device"), QStringLiteral("9b1c")},
        {QStringLiteral("device_name"), QStringLiteral("greenhouse")},
        {QStringLiteral("interface"), QString()},
        {QStringLiteral("severity"), QStringLiteral("critical")},
        {QStringLiteral("summary"), QStringLiteral("greenhouse: cpu_percent 97.0 > 95")},
        {QStringLiteral("state"), state},
        {QStringLiteral("raised_at"), QStringLiteral("2026-11-28T12:00:00.000Z")},
        {QStringLiteral("cleared_at"),
            state == QLatin1String("resolved")
                ? QJsonValue(QStringLiteral("2026-11-28T12:10:00.000Z"))
                : QJsonValue()},
        {QStringLiteral("acknowledged_at"),
            acknowledgedBy.isNull() ? QJsonValue()
                                    : QJsonValue(QStringLiteral("2026-11-28T12:05:00.000Z"))},
        {QStringLiteral("acknowledged_by"), acknowledgedBy},
        {QStringLiteral("silenced_until"), QJsonValue()}};
}

QList<qint64> ids(const AlertTableModel &model)
{
    QList<qint64> list;
    for (int row = 0; row < model.rowCount(); ++row)
        list << model.index(row, 0).data(AlertTableModel::IdRole).toLongLong();
    return list;
}

} // namespace

void TestAlertTableModel::showsTheApisFields()
{
    AlertTableModel model;
    QAbstractItemModelTester tester(&model);
    model.setAlerts({alert(1, QStringLiteral("firing"), QStringLiteral("desktop:ana")),
                        alert(2, QStringLiteral("resolved"))},
        false);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), int(AlertTableModel::ColumnCount));
    const auto cell = [&model](int row, int column, int role = Qt::DisplayRole) {
        return model.index(row, column).data(role);
    };
    QCOMPARE(cell(0, AlertTableModel::State).toString(), QStringLiteral("firing"));
    QCOMPARE(cell(0, AlertTableModel::Device).toString(), QStringLiteral("greenhouse"));
    QCOMPARE(cell(0, AlertTableModel::Acknowledged).toString(), QStringLiteral("desktop:ana"));
    QVERIFY(cell(0, AlertTableModel::Acknowledged, Qt::ToolTipRole)
                .toString()
                .startsWith(QLatin1String("Acknowledged by desktop:ana at ")));
    QVERIFY(cell(0, AlertTableModel::Cleared).toString().isEmpty());
    QVERIFY(cell(0, AlertTableModel::State, AlertTableModel::FiringRole).toBool());
    // What fires is coloured by its severity; what ended is not.
    QVERIFY(cell(0, AlertTableModel::Severity, Qt::ForegroundRole).isValid());
    QVERIFY(!cell(1, AlertTableModel::Severity, Qt::ForegroundRole).isValid());
    QCOMPARE(cell(1, AlertTableModel::State).toString(), QStringLiteral("resolved"));
    QVERIFY(!cell(1, AlertTableModel::Cleared).toString().isEmpty());
    QVERIFY(cell(1, AlertTableModel::Acknowledged).toString().isEmpty());
    // Times sort as times, in the API's form.
    QCOMPARE(cell(1, AlertTableModel::Cleared, AlertTableModel::SortRole).toString(),
        QStringLiteral("2026-11-28T12:10:00.000Z"));
    QCOMPARE(model.rowOf(2), 1);
    QCOMPARE(model.rowOf(3), -1);
}

void TestAlertTableModel::appliesAnnouncedChanges_data()
{
    QTest::addColumn<bool>("firingOnly");
    QTest::addColumn<QJsonArray>("changed");
    QTest::addColumn<QList<qint64>>("expected");
    QTest::addColumn<QString>("stateOf2");

    const QJsonObject raised = alert(3, QStringLiteral("firing"));
    const QJsonObject acknowledged = alert(2, QStringLiteral("firing"), QStringLiteral("api"));
    const QJsonObject resolved = alert(2, QStringLiteral("resolved"));
    QTest::newRow("raised, history")
        << false << QJsonArray {raised} << QList<qint64> {3, 2, 1} << "firing";
    QTest::newRow("raised, firing only")
        << true << QJsonArray {raised} << QList<qint64> {3, 2, 1} << "firing";
    QTest::newRow("acknowledged: in place")
        << true << QJsonArray {acknowledged} << QList<qint64> {2, 1} << "firing";
    QTest::newRow("resolved, history: stays")
        << false << QJsonArray {resolved} << QList<qint64> {2, 1} << "resolved";
    QTest::newRow("resolved, firing only: leaves")
        << true << QJsonArray {resolved} << QList<qint64> {1} << QString();
    QTest::newRow("a batch") << true << QJsonArray {raised, resolved} << QList<qint64> {3, 1}
                             << QString();
    // A storm comes as one batch, merged in one pass: the same rows.
    QJsonArray storm;
    QList<qint64> stormRows;
    for (qint64 id = 100; id < 140; ++id) {
        storm.append(alert(id, QStringLiteral("firing")));
        stormRows.prepend(id);
    }
    storm.append(resolved);
    QTest::newRow("a storm, firing only")
        << true << storm << (stormRows + QList<qint64> {1}) << QString();
    QTest::newRow("a storm, history")
        << false << storm << (stormRows + QList<qint64> {2, 1}) << "resolved";
    QTest::newRow("unknown and resolved: not added")
        << true << QJsonArray {alert(7, QStringLiteral("resolved"))} << QList<qint64> {2, 1}
        << "firing";
}

void TestAlertTableModel::appliesAnnouncedChanges()
{
    QFETCH(bool, firingOnly);
    QFETCH(QJsonArray, changed);
    QFETCH(QList<qint64>, expected);
    QFETCH(QString, stateOf2);

    AlertTableModel model;
    QAbstractItemModelTester tester(&model);
    model.setAlerts(
        {alert(2, QStringLiteral("firing")), alert(1, QStringLiteral("firing"))}, firingOnly);
    model.apply(changed);
    QCOMPARE(ids(model), expected);
    const int row = model.rowOf(2);
    QCOMPARE(row >= 0 ? model.index(row, AlertTableModel::State).data().toString() : QString(),
        stateOf2);
    if (row >= 0 && changed.first()[QLatin1String("acknowledged_by")].isString())
        QCOMPARE(model.index(row, AlertTableModel::Acknowledged).data().toString(),
            QStringLiteral("api"));
}

QTEST_MAIN(TestAlertTableModel)
#include "tst_alerttablemodel.moc"
