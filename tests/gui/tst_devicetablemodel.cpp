// SPDX-License-Identifier: MIT
#include "gui/DeviceFilterProxyModel.h"
#include "gui/DeviceTableModel.h"
#include "gui/HeartbeatMark.h"

#include <QAbstractItemModelTester>
#include <QIcon>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QTest>
#include <array>

using namespace dmr::console;

namespace {

constexpr qint64 kStart = 1795000000000LL;

DeviceSnapshot snapshot(int n, qint64 lastSeen, quint32 interval = 10)
{
    DeviceSnapshot d;
    d.uuid = QStringLiteral("00000000-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0'));
    d.deviceId = QStringLiteral("machine%1").arg(n, 4, 10, QLatin1Char('0'));
    d.hostname = QStringLiteral("host-%1").arg(n);
    d.intervalSeconds = interval;
    d.lastSeen = lastSeen;
    d.reportsReceived = 100;
    d.reportsLost = quint64(n % 5);
    return d;
}

DeviceOverview row(int n, qint64 lastSeen, double cpu)
{
    DeviceOverview r;
    r.id = n + 1;
    r.device = snapshot(n, lastSeen);
    r.latestTs = lastSeen;
    r.system.cpuPercent = cpu;
    r.system.memoryTotalKb = 1000;
    r.system.memoryUsedKb = 500;
    r.system.diskTotalKb = 1000;
    r.system.diskUsedKb = 250;
    r.system.diskAvailableKb = 750;
    r.system.uptimeSeconds = 90061;
    return r;
}

QStringList column(const QAbstractItemModel &model, int column, int role = Qt::DisplayRole)
{
    QStringList values;
    for (int r = 0; r < model.rowCount(); ++r)
        values.append(model.index(r, column).data(role).toString());
    return values;
}

} // namespace

class TestDeviceTableModel : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void passesModelTester();
    void showsAndSortsFiringAlerts();
    void batchesUpdates();
    void showsValuesForPeople();
    void filtersAsYouType_data();
    void filtersAsYouType();
    void sortsOnRawValues();
    void sortByNameFollowsRenamesAndNewRows();
    void selectionSurvivesUpdates();
    void goesOfflineAsTimePasses();
    void keepsTheNewestOfBothSources();
    void followsRenamesDeletionsAndMerges();
    void showsLabelsFromTheStoreAndAlerting();
    void filtersByLabel_data();
    void filtersByLabel();
    void heartbeatFollowsArrivals();

private:
    qint64 m_now = kStart;
    DeviceTableModel::Clock clock()
    {
        return [this] { return m_now; };
    }
};

void TestDeviceTableModel::init()
{
    m_now = kStart;
}

void TestDeviceTableModel::passesModelTester()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    DeviceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.sort(DeviceTableModel::Cpu);
    QAbstractItemModelTester sourceTester(
        &model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(
        &proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);

    QList<DeviceOverview> rows;
    for (int n = 0; n < 50; ++n)
        rows.append(row(n, kStart, n * 1.5));
    model.applyRows(rows);
    model.refresh();
    QCOMPARE(model.rowCount(), 50);
    proxy.setSearchText(QStringLiteral("host-1"));
    QCOMPARE(proxy.rowCount(), 11);
    for (int n = 0; n < 60; ++n)
        model.applySnapshots({snapshot(n, kStart + 1000)});
    m_now += 2000;
    model.refresh();
    QCOMPARE(model.rowCount(), 60);
    proxy.setSearchText(QString());
    QCOMPARE(proxy.rowCount(), 60);
}

void TestDeviceTableModel::showsAndSortsFiringAlerts()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    DeviceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    model.applyRows({row(0, kStart, 10), row(1, kStart, 99), row(2, kStart, 50)});
    model.refresh();
    const QString hot = snapshot(1, kStart).uuid;
    const QString full = snapshot(2, kStart).uuid;
    model.setFiring({{1, hot, QStringLiteral("host-1: CPU saturated"), Severity::Warning, kStart,
                         QStringLiteral("cpu_percent")},
        {2, full, QStringLiteral("host-2: Disk full"), Severity::Critical, kStart,
            QStringLiteral("disk_percent")},
        {3, full, QStringLiteral("host-2: Disk almost full"), Severity::Warning, kStart,
            QStringLiteral("disk_percent")}});
    m_now += 2000;
    model.refresh();
    // Sorted by severity, worst first.
    proxy.sort(DeviceTableModel::Alerts, Qt::DescendingOrder);
    QCOMPARE(column(proxy, DeviceTableModel::Alerts),
        QStringList({QStringLiteral("2 critical"), QStringLiteral("1 warning"), QString()}));
    QCOMPARE(column(proxy, DeviceTableModel::Alerts, Qt::ToolTipRole).first(),
        QStringLiteral("host-2: Disk full\nhost-2: Disk almost full"));
    // The cells of the metrics that fire are coloured: the disk red, the CPU amber.
    const auto colour = [&](int proxyRow, int column) {
        return proxy.index(proxyRow, column).data(Qt::BackgroundRole).value<QBrush>().color();
    };
    QCOMPARE(colour(0, DeviceTableModel::Disk).red(), 231);
    QCOMPARE(colour(0, DeviceTableModel::Cpu).alpha(), 255); // no brush: default colour
    QVERIFY(!proxy.index(0, DeviceTableModel::Cpu).data(Qt::BackgroundRole).isValid());
    QCOMPARE(colour(1, DeviceTableModel::Cpu).red(), 243);
    QVERIFY(!proxy.index(2, DeviceTableModel::Cpu).data(Qt::BackgroundRole).isValid());
    // Cleared: nothing left.
    model.setFiring({});
    m_now += 2000;
    model.refresh();
    QCOMPARE(
        column(proxy, DeviceTableModel::Alerts), QStringList({QString(), QString(), QString()}));
}

void TestDeviceTableModel::batchesUpdates()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    for (int burst = 0; burst < 200; ++burst)
        model.applySnapshots({snapshot(burst % 20, kStart + burst)});
    QCOMPARE(model.rowCount(), 0); // nothing shown before the next refresh
    model.refresh();
    QCOMPARE(model.rowCount(), 20);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.refreshes(), quint64(1));

    for (int burst = 0; burst < 200; ++burst)
        model.applySnapshots({snapshot(burst % 20, kStart + 1000 + burst)});
    changed.clear();
    model.refresh();
    QCOMPARE(changed.count(), 1);
    model.refresh(); // nothing pending, no second passed: no work
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.refreshes(), quint64(2));

    // The real timer: one refresh per 250 ms at most, however many bursts.
    DeviceTableModel timed;
    int bursts = 0;
    QElapsedTimer elapsed;
    elapsed.start();
    while (elapsed.elapsed() < 1000) {
        timed.applySnapshots({snapshot(bursts % 100, QDateTime::currentMSecsSinceEpoch())});
        ++bursts;
        QCoreApplication::processEvents();
    }
    QVERIFY(bursts > 100);
    QVERIFY2(timed.refreshes() <= 5, qPrintable(QString::number(timed.refreshes())));
    QCOMPARE(timed.rowCount(), 100);
}

void TestDeviceTableModel::showsValuesForPeople()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    model.applyRows({row(3, kStart - 12000, 12.345)});
    model.refresh();
    const auto text = [&](int column) { return model.index(0, column).data().toString(); };
    QCOMPARE(text(DeviceTableModel::Hostname), QStringLiteral("host-3"));
    QCOMPARE(text(DeviceTableModel::Cpu), QStringLiteral("12.3 %"));
    QCOMPARE(text(DeviceTableModel::Memory), QStringLiteral("50.0 %"));
    QCOMPARE(text(DeviceTableModel::Disk), QStringLiteral("25.0 %"));
    QCOMPARE(text(DeviceTableModel::Uptime), QStringLiteral("1 d 1 h"));
    QCOMPARE(text(DeviceTableModel::LastSeen), QStringLiteral("12 s ago"));
    QCOMPARE(text(DeviceTableModel::Lost), QStringLiteral("2.9 %")); // 3 of 103
    QCOMPARE(text(DeviceTableModel::Status), QStringLiteral("online"));
    QVERIFY(!model.index(0, DeviceTableModel::Status).data(Qt::DecorationRole).isNull());

    // What a delegate asks for in one call, through the proxy, is what data() says.
    DeviceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    for (int column = 0; column < DeviceTableModel::ColumnCount; ++column) {
        const QModelIndex index = proxy.index(0, column);
        std::array<QModelRoleData, 5> roles = {QModelRoleData(Qt::DisplayRole),
            QModelRoleData(Qt::DecorationRole), QModelRoleData(Qt::TextAlignmentRole),
            QModelRoleData(Qt::ForegroundRole), QModelRoleData(DeviceTableModel::SortRole)};
        index.multiData(roles);
        for (const QModelRoleData &role : roles) {
            if (role.role() == Qt::DecorationRole) // QIcon has no operator==
                QCOMPARE(role.data().value<QIcon>().cacheKey(),
                    index.data(role.role()).value<QIcon>().cacheKey());
            else
                QCOMPARE(role.data(), index.data(role.role()));
        }
    }
}

void TestDeviceTableModel::filtersAsYouType_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("rows");
    QTest::newRow("empty") << QString() << 30;
    QTest::newRow("hostname") << QStringLiteral("host-2") << 11; // 2, 20..29
    QTest::newRow("hostname, other case") << QStringLiteral("HOST-2") << 11;
    QTest::newRow("device_id") << QStringLiteral("machine0007") << 1;
    QTest::newRow("uuid tail") << QStringLiteral("000000000015") << 1;
    QTest::newRow("uuid prefix matches all") << QStringLiteral("00000000-0000") << 30;
    QTest::newRow("spaces trimmed") << QStringLiteral("  host-29 ") << 1;
    QTest::newRow("nothing") << QStringLiteral("no-such") << 0;
}

void TestDeviceTableModel::filtersAsYouType()
{
    QFETCH(QString, text);
    QFETCH(int, rows);
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    QList<DeviceSnapshot> devices;
    for (int n = 0; n < 30; ++n)
        devices.append(snapshot(n, kStart));
    model.applySnapshots(devices);
    model.refresh();
    DeviceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSearchText(text);
    QCOMPARE(proxy.rowCount(), rows);
}

void TestDeviceTableModel::sortsOnRawValues()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    model.applyRows({row(1, kStart, 100), row(2, kStart, 9), row(3, kStart, 10)});
    model.refresh();
    DeviceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.sort(DeviceTableModel::Cpu, Qt::AscendingOrder);
    // As text "10.0 %" < "100.0 %" < "9.0 %"; as numbers 9 < 10 < 100.
    QCOMPARE(column(proxy, DeviceTableModel::Cpu),
        QStringList(
            {QStringLiteral("9.0 %"), QStringLiteral("10.0 %"), QStringLiteral("100.0 %")}));
    proxy.sort(DeviceTableModel::Hostname, Qt::DescendingOrder);
    QCOMPARE(column(proxy, DeviceTableModel::Hostname),
        QStringList(
            {QStringLiteral("host-3"), QStringLiteral("host-2"), QStringLiteral("host-1")}));

    // The numeric sort keys are the new values after a refresh, not the old.
    proxy.sort(DeviceTableModel::Cpu, Qt::AscendingOrder);
    m_now += 1000;
    model.applyRows({row(1, kStart + 1000, 1)});
    model.refresh();
    QCOMPARE(column(proxy, DeviceTableModel::Hostname),
        QStringList(
            {QStringLiteral("host-1"), QStringLiteral("host-2"), QStringLiteral("host-3")}));
}

// Sorted by hostname, a refresh that changes only numbers leaves the order
// alone (no re-sort); a rename or a new device re-sorts, and a search sees them.
void TestDeviceTableModel::sortByNameFollowsRenamesAndNewRows()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    model.applyRows({row(1, kStart, 5), row(2, kStart, 6), row(3, kStart, 7)});
    model.refresh();
    DeviceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.sort(DeviceTableModel::Hostname, Qt::AscendingOrder);
    const QStringList sorted
        = {QStringLiteral("host-1"), QStringLiteral("host-2"), QStringLiteral("host-3")};
    QCOMPARE(column(proxy, DeviceTableModel::Hostname), sorted);

    m_now += 1000;
    model.applyRows({row(1, kStart + 1000, 50), row(3, kStart + 1000, 1)});
    model.refresh();
    QVERIFY(!model.orderMayHaveChanged(DeviceTableModel::Hostname));
    QVERIFY(model.orderMayHaveChanged(DeviceTableModel::Cpu));
    QCOMPARE(column(proxy, DeviceTableModel::Hostname), sorted);

    DeviceOverview renamed = row(1, kStart + 2000, 50);
    renamed.device.hostname = QStringLiteral("host-9");
    m_now += 1000;
    model.applyRows({renamed, row(0, kStart + 2000, 3)});
    model.refresh();
    QVERIFY(model.orderMayHaveChanged(DeviceTableModel::Hostname));
    QCOMPARE(column(proxy, DeviceTableModel::Hostname),
        QStringList({QStringLiteral("host-0"), QStringLiteral("host-2"), QStringLiteral("host-3"),
            QStringLiteral("host-9")}));

    proxy.setSearchText(QStringLiteral("host-1"));
    QCOMPARE(proxy.rowCount(), 0);
    m_now += 1000;
    model.applyRows({row(2, kStart + 3000, 9), row(11, kStart + 3000, 1)});
    model.refresh();
    QCOMPARE(column(proxy, DeviceTableModel::Hostname), QStringList({QStringLiteral("host-11")}));
}

void TestDeviceTableModel::selectionSurvivesUpdates()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    QList<DeviceOverview> rows;
    for (int n = 0; n < 10; ++n)
        rows.append(row(n, kStart, n));
    model.applyRows(rows);
    model.refresh();
    DeviceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.sort(DeviceTableModel::Cpu, Qt::AscendingOrder);
    QItemSelectionModel selection(&proxy);
    const QString chosen = rows.at(2).device.uuid;
    QCOMPARE(proxy.index(2, 0).data(DeviceTableModel::UuidRole).toString(), chosen);
    selection.select(
        proxy.index(2, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);

    // Its CPU jumps to the top, others change, new devices arrive.
    QList<DeviceOverview> update;
    for (int n = 0; n < 15; ++n)
        update.append(row(n, kStart + 1000, n == 2 ? 99.0 : n + 0.5));
    m_now += 1000;
    model.applyRows(update);
    model.refresh();
    QCOMPARE(proxy.rowCount(), 15);
    const QModelIndexList selected = selection.selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.first().data(DeviceTableModel::UuidRole).toString(), chosen);
    QCOMPARE(selected.first().row(), 14);

    proxy.setSearchText(QStringLiteral("host-2"));
    QCOMPARE(selection.selectedRows().size(), 1);
    proxy.setSearchText(QString());
    QCOMPARE(selection.selectedRows().value(0).data(DeviceTableModel::UuidRole).toString(), chosen);
}

void TestDeviceTableModel::goesOfflineAsTimePasses()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    model.setOfflineAfterSeconds(60);
    QSignalSpy counts(&model, &DeviceTableModel::countsChanged);
    QSignalSpy flips(&model, &DeviceTableModel::deviceOnlineChanged);
    // Interval 10 s: offline after 60 s; interval 30 s: after 90 s.
    // Within one refresh new rows come in no fixed order; two refreshes fix it.
    model.applySnapshots({snapshot(1, kStart, 10)});
    model.refresh();
    model.applySnapshots({snapshot(2, kStart, 30)});
    model.refresh();
    const auto online = [&](int row) {
        return model.index(row, DeviceTableModel::Status)
            .data(DeviceTableModel::OnlineRole)
            .toBool();
    };
    QVERIFY(online(0));
    QVERIFY(online(1));
    QCOMPARE(model.onlineCount(), 2);

    m_now = kStart + 59000; // no report arrives, only time passes
    model.refresh();
    QVERIFY(online(0));
    QCOMPARE(
        model.index(0, DeviceTableModel::LastSeen).data().toString(), QStringLiteral("59 s ago"));
    m_now = kStart + 61000;
    model.refresh();
    QVERIFY(!online(0));
    QVERIFY(online(1));
    QCOMPARE(model.index(0, DeviceTableModel::Status).data().toString(), QStringLiteral("offline"));
    QCOMPARE(flips.count(), 1);
    QCOMPARE(flips.first().at(1).toString(), QStringLiteral("host-1"));
    QCOMPARE(flips.first().at(2).toBool(), false);
    QCOMPARE(counts.last().at(0).toInt(), 1);

    m_now = kStart + 91000;
    model.refresh();
    QVERIFY(!online(1));
    QCOMPARE(model.onlineCount(), 0);

    model.applySnapshots({snapshot(1, m_now)}); // comes back
    model.refresh();
    QVERIFY(online(0));
    QCOMPARE(flips.count(), 3);
    QCOMPARE(flips.last().at(2).toBool(), true);
}

void TestDeviceTableModel::keepsTheNewestOfBothSources()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    DeviceSnapshot live = snapshot(1, kStart + 5000);
    live.reportsReceived = 500;
    model.applySnapshots({live});
    model.applyRows({row(1, kStart, 33)}); // the store is a little behind
    model.refresh();
    const DeviceOverview *r = model.rowFor(live.uuid);
    QVERIFY(r);
    QCOMPARE(r->device.lastSeen, kStart + 5000);
    QCOMPARE(r->device.reportsReceived, quint64(500));
    QCOMPARE(r->system.cpuPercent, 33.0);
    QCOMPARE(r->id, qint64(2));

    // Once shown, an update waits for the next refresh, and an older store
    // row never undoes a newer live one.
    m_now += 1000;
    DeviceSnapshot later = live;
    later.lastSeen = kStart + 6000;
    later.reportsReceived = 600;
    model.applySnapshots({later});
    model.applyRows({row(1, kStart + 5500, 44)});
    model.applyRows({row(1, kStart, 33)});
    QCOMPARE(model.rowFor(live.uuid)->device.reportsReceived, quint64(500));
    QCOMPARE(model.rowFor(live.uuid)->system.cpuPercent, 33.0);
    model.refresh();
    QCOMPARE(model.rowFor(live.uuid)->device.lastSeen, kStart + 6000);
    QCOMPARE(model.rowFor(live.uuid)->device.reportsReceived, quint64(600));
    QCOMPARE(model.rowFor(live.uuid)->system.cpuPercent, 44.0);
}

void TestDeviceTableModel::followsRenamesDeletionsAndMerges()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.applyRows({row(1, kStart, 5), row(2, kStart, 6), row(3, kStart, 7), row(4, kStart, 8)});
    model.refresh();
    DeviceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.sort(DeviceTableModel::Hostname, Qt::AscendingOrder);
    auto uuid = [](int n) { return snapshot(n, 0).uuid; };
    auto result = [](DeviceChange::Kind kind, const QString &uuid, const QString &from = {},
                      const QString &name = {}) {
        DeviceChangeResult r;
        r.status = DeviceChangeResult::Status::Done;
        r.change.kind = kind;
        r.change.uuid = uuid;
        r.change.from = from;
        r.displayName = name;
        return r;
    };

    // A name the operator gave shows instead of the hostname, sorts as
    // itself, and either finds the device.
    model.applyDeviceChange(
        result(DeviceChange::Kind::Rename, uuid(1), {}, QStringLiteral("zz greenhouse")));
    model.refresh();
    QCOMPARE(column(proxy, DeviceTableModel::Hostname),
        QStringList({QStringLiteral("host-2"), QStringLiteral("host-3"), QStringLiteral("host-4"),
            QStringLiteral("zz greenhouse")}));
    QCOMPARE(proxy.index(3, DeviceTableModel::Hostname).data(Qt::ToolTipRole).toString(),
        QStringLiteral("hostname host-1"));
    proxy.setSearchText(QStringLiteral("GREENHOUSE"));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setSearchText(QStringLiteral("host-1"));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setSearchText(QString());
    // Ingest's snapshots know no display name and keep it.
    m_now += 1000;
    model.applySnapshots({snapshot(1, kStart + 1000)});
    model.refresh();
    QCOMPARE(model.rowFor(uuid(1))->name(), QStringLiteral("zz greenhouse"));

    // A deletion takes the row at once, with a change pending on a later row.
    QSignalSpy counts(&model, &DeviceTableModel::countsChanged);
    model.applyRows({row(4, kStart + 1000, 44)});
    model.applyDeviceChange(result(DeviceChange::Kind::Delete, uuid(2)));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(counts.count(), 1);
    QVERIFY(!model.rowFor(uuid(2)));
    model.refresh();
    QCOMPARE(model.rowFor(uuid(4))->system.cpuPercent, 44.0);
    QCOMPARE(model.rowFor(uuid(3))->system.cpuPercent, 7.0);
    // What was on its way about it changes nothing.
    m_now += 1000;
    model.applySnapshots({snapshot(2, kStart + 2000)});
    model.applyRows({row(2, kStart + 2000, 1)});
    model.refresh();
    QCOMPARE(model.rowCount(), 3);

    // A merge takes the merged device's row, and the other takes its name.
    model.applyDeviceChange(
        result(DeviceChange::Kind::Merge, uuid(3), uuid(4), QStringLiteral("old board")));
    model.refresh();
    QCOMPARE(model.rowCount(), 2);
    QVERIFY(!model.rowFor(uuid(4)));
    QCOMPARE(column(proxy, DeviceTableModel::Hostname),
        QStringList({QStringLiteral("old board"), QStringLiteral("zz greenhouse")}));
    // Changes that were not made change nothing.
    DeviceChangeResult failed = result(DeviceChange::Kind::Delete, uuid(1));
    failed.status = DeviceChangeResult::Status::Failed;
    model.applyDeviceChange(failed);
    QCOMPARE(model.rowCount(), 2);
}

using LabelMap = QMap<QString, QString>;

// Labels come with the store's rows and, as they change, from alerting; the
// live ones are not undone by a store read that was on its way, but after a
// while the store wins (another console may have changed them).
void TestDeviceTableModel::showsLabelsFromTheStoreAndAlerting()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy keys(&model, &DeviceTableModel::labelKeysChanged);
    DeviceOverview lab = row(1, kStart, 5);
    lab.labels = {{QStringLiteral("role"), QStringLiteral("gateway")},
        {QStringLiteral("location"), QStringLiteral("lab")}};
    model.applyRows({lab, row(2, kStart, 6)});
    model.refresh();
    const auto labels = [&](int n) {
        const DeviceOverview *r = model.rowFor(snapshot(n, 0).uuid);
        return r ? r->labels : LabelMap();
    };
    const auto cell = [&](int n) {
        for (int r = 0; r < model.rowCount(); ++r) {
            if (model.index(r, 0).data(DeviceTableModel::UuidRole).toString()
                == snapshot(n, 0).uuid)
                return model.index(r, DeviceTableModel::Labels).data().toString();
        }
        return QString();
    };
    QCOMPARE(cell(1), QStringLiteral("location=lab, role=gateway"));
    QCOMPARE(cell(2), QString());
    QCOMPARE(model.labelKeys(), QStringList({QStringLiteral("location"), QStringLiteral("role")}));
    QCOMPARE(keys.count(), 1);
    QVERIFY(model.labelsChanged());
    QCOMPARE(model.headerData(DeviceTableModel::Labels, Qt::Horizontal).toString(),
        QStringLiteral("Labels"));

    // Alerting says device 2 got a label: shown at the next refresh.
    model.setLabels(snapshot(2, 0).uuid, {{QStringLiteral("rack"), QStringLiteral("r7")}});
    QCOMPARE(cell(2), QString());
    m_now += 250;
    model.refresh();
    QCOMPARE(cell(2), QStringLiteral("rack=r7"));
    QCOMPARE(model.labelKeys(),
        QStringList({QStringLiteral("location"), QStringLiteral("rack"), QStringLiteral("role")}));
    // A store read from before it does not take the label back...
    m_now += 1000;
    model.applyRows({row(2, kStart + 1000, 6)});
    model.refresh();
    QCOMPARE(labels(2).value(QStringLiteral("rack")), QStringLiteral("r7"));
    // ...a later one is the truth, also when it says less.
    m_now += 5000;
    model.refresh();
    model.applyRows({row(2, kStart + 6000, 6)});
    model.refresh();
    QVERIFY(labels(2).isEmpty());
    QCOMPARE(cell(2), QString());
    QCOMPARE(model.labelKeys(), QStringList({QStringLiteral("location"), QStringLiteral("role")}));
    // Ingest's snapshots carry no labels and keep them.
    m_now += 1000;
    model.applySnapshots({snapshot(1, kStart + 7000)});
    model.refresh();
    QCOMPARE(labels(1).value(QStringLiteral("location")), QStringLiteral("lab"));
    // Labels for a device not shown yet wait for its row.
    model.setLabels(snapshot(3, 0).uuid, {{QStringLiteral("location"), QStringLiteral("shed")}});
    model.applySnapshots({snapshot(3, kStart + 7000)});
    model.refresh();
    QCOMPARE(cell(3), QStringLiteral("location=shed"));

    // Sorted by labels, as text.
    DeviceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.sort(DeviceTableModel::Labels, Qt::AscendingOrder);
    QCOMPARE(column(proxy, DeviceTableModel::Labels),
        QStringList({QString(), QStringLiteral("location=lab, role=gateway"),
            QStringLiteral("location=shed")}));
    QCOMPARE(proxy.index(1, DeviceTableModel::Labels).data(Qt::ToolTipRole).toString(),
        QStringLiteral("location=lab\nrole=gateway"));
}

void TestDeviceTableModel::filtersByLabel_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("hosts");
    const QStringList all = {QStringLiteral("host-0"), QStringLiteral("host-1"),
        QStringLiteral("host-2"), QStringLiteral("host-3"), QStringLiteral("host-4")};
    QTest::newRow("name=value") << QStringLiteral(
        "label:location=lab") << QStringList({QStringLiteral("host-0"), QStringLiteral("host-1")});
    QTest::newRow("name:value, as the REST API") << QStringLiteral(
        "label:location:lab") << QStringList({QStringLiteral("host-0"), QStringLiteral("host-1")});
    QTest::newRow("any case") << QStringLiteral("LABEL:Location=LAB")
                              << QStringList({QStringLiteral("host-0"), QStringLiteral("host-1")});
    QTest::newRow("the value whole") << QStringLiteral("label:location=la") << QStringList();
    QTest::newRow("name alone: has it")
        << QStringLiteral("label:location")
        << QStringList({QStringLiteral("host-0"), QStringLiteral("host-1"),
               QStringLiteral("host-2"), QStringLiteral("host-3")});
    QTest::newRow("with free text")
        << QStringLiteral("host-1 label:location=lab") << QStringList({QStringLiteral("host-1")});
    QTest::newRow("every label must match")
        << QStringLiteral("label:location=lab label:role=gateway")
        << QStringList({QStringLiteral("host-0")});
    QTest::newRow("quoted value with a blank") << QStringLiteral("label:location=\"server room\"")
                                               << QStringList({QStringLiteral("host-3")});
    QTest::newRow("half typed narrows nothing") << QStringLiteral("label:") << all;
    QTest::newRow("no such label") << QStringLiteral("label:colour=red") << QStringList();
}

void TestDeviceTableModel::filtersByLabel()
{
    QFETCH(QString, text);
    QFETCH(QStringList, hosts);
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    const QString location = QStringLiteral("location");
    const QList<LabelMap> labels
        = {{{location, QStringLiteral("lab")}, {QStringLiteral("role"), QStringLiteral("gateway")}},
            {{location, QStringLiteral("lab")}}, {{location, QStringLiteral("office")}},
            {{location, QStringLiteral("server room")}}, {}};
    QList<DeviceOverview> rows;
    for (int n = 0; n < labels.size(); ++n) {
        rows.append(row(n, kStart, n));
        rows.last().labels = labels.at(n);
    }
    model.applyRows(rows);
    model.refresh();
    DeviceFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.sort(DeviceTableModel::Hostname);
    proxy.setSearchText(text);
    QCOMPARE(column(proxy, DeviceTableModel::Hostname), hosts);
}

// The heartbeat column: a mark per expected report, from the arrivals the
// model sees, on the device's own rhythm.
void TestDeviceTableModel::heartbeatFollowsArrivals()
{
    DeviceTableModel model(clock());
    model.setRefreshIntervalMs(0);
    model.setOfflineAfterSeconds(60);
    const auto marks = [&model] {
        return model.index(0, DeviceTableModel::Heartbeat)
            .data(DeviceTableModel::HeartbeatRole)
            .toByteArray();
    };
    const auto arrive = [&](qint64 at, quint64 received) {
        DeviceSnapshot d = snapshot(1, at, 10);
        d.reportsReceived = received;
        m_now = at;
        model.applySnapshots({d});
        model.refresh();
    };
    // Only the heartbeat column has marks.
    arrive(kStart, 1);
    QVERIFY(model.index(0, DeviceTableModel::Cpu).data(DeviceTableModel::HeartbeatRole).isNull());
    QByteArray first = marks();
    QCOMPARE(first.size(), DeviceTableModel::kHeartbeatMarks);
    // Before the model first saw the device: unknown. Then the arrival.
    QCOMPARE(first, QByteArray(29, 'n') + 'a');

    // Every 10 s, with a little jitter; the fourth report is lost.
    quint64 received = 1;
    for (int i = 1; i <= 6; ++i) {
        if (i == 4)
            continue;
        arrive(kStart + i * 10000 + (i % 2 ? 1500 : -1200), ++received);
    }
    QCOMPARE(marks().right(7), QByteArray("aaaalaa"));
    // Time passes: the next is pending for up to an interval, then lost.
    m_now = kStart + 68000;
    model.refresh();
    QCOMPARE(marks().right(8), QByteArray("aaaalaap"));
    m_now = kStart + 81000;
    model.refresh();
    QCOMPARE(marks().right(9), QByteArray("aaaalaalp"));
    // Silent long enough to be offline: those slots were missing, not lost.
    m_now = kStart + 160000;
    model.refresh();
    QCOMPARE(model.index(0, DeviceTableModel::Status).data().toString(), QStringLiteral("offline"));
    const QByteArray silent = marks();
    QCOMPARE(silent.right(11), QByteArray("alllllmmmmp"));
    // Back, with three reports at once (a resent backlog): the newest gap fills.
    arrive(kStart + 170000, received + 3);
    QCOMPARE(marks().right(7), QByteArray("lmmmaaa"));
    // Sorted by heartbeat: the share of arrivals among the watched slots.
    QVERIFY(model.index(0, DeviceTableModel::Heartbeat).data(DeviceTableModel::SortRole).toDouble()
        > 0.4);
    QVERIFY(
        !model.index(0, DeviceTableModel::Heartbeat).data(Qt::ToolTipRole).toString().isEmpty());
    // A new interval starts over.
    DeviceSnapshot faster = snapshot(1, kStart + 171000, 1);
    faster.reportsReceived = received + 4;
    m_now = kStart + 171000;
    model.applySnapshots({faster});
    model.refresh();
    QCOMPARE(marks(), QByteArray(29, 'n') + 'a');
}

QTEST_MAIN(TestDeviceTableModel)
#include "tst_devicetablemodel.moc"
