// SPDX-License-Identifier: MIT
#include "gui/DeviceFilterProxyModel.h"
#include "gui/DeviceGroupProxyModel.h"
#include "gui/DeviceTableModel.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QTest>

using namespace dmr::console;

namespace {

constexpr qint64 kStart = 1795000000000LL;
using LabelMap = QMap<QString, QString>;

QString uuidOf(int n)
{
    return QStringLiteral("00000000-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0'));
}

DeviceOverview row(int n, qint64 lastSeen, double cpu, const LabelMap &labels)
{
    DeviceOverview r;
    r.id = n + 1;
    r.device.uuid = uuidOf(n);
    r.device.deviceId = QStringLiteral("machine%1").arg(n, 4, 10, QLatin1Char('0'));
    r.device.hostname = QStringLiteral("host-%1").arg(n);
    r.device.intervalSeconds = 10;
    r.device.lastSeen = lastSeen;
    r.device.reportsReceived = 1;
    r.latestTs = lastSeen;
    r.system.cpuPercent = cpu;
    r.labels = labels;
    return r;
}

LabelMap at(const QString &location)
{
    return {{QStringLiteral("location"), location}};
}

// The hostnames under group `group`, in order.
QStringList hostsIn(const DeviceGroupProxyModel &groups, int group)
{
    QStringList hosts;
    const QModelIndex parent = groups.index(group, 0);
    for (int r = 0; r < groups.rowCount(parent); ++r)
        hosts.append(groups.index(r, DeviceTableModel::Hostname, parent).data().toString());
    return hosts;
}

QStringList headings(const DeviceGroupProxyModel &groups)
{
    QStringList texts;
    for (int g = 0; g < groups.rowCount(); ++g)
        texts.append(groups.index(g, 0).data().toString());
    return texts;
}

} // namespace

class TestDeviceGroupProxyModel : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void passesModelTester();
    void countsPerGroup();
    void regroupsWhenLabelsChange();
    void searchAndSortWorkWithinGroups();
    void hiddenDevicesComeAndGo();
    void announcesChangedDevices();
    void noGroupingCostsNothing();
    void regroupsAThousandDevicesQuickly();

private:
    // Device model, search and sort, grouping: as the main window stacks them.
    struct Stack
    {
        explicit Stack(DeviceTableModel::Clock clock)
            : model(std::move(clock))
        {
            model.setRefreshIntervalMs(0);
            filter.setSourceModel(&model);
            groups.setSourceModel(&filter);
        }
        DeviceTableModel model;
        DeviceFilterProxyModel filter;
        DeviceGroupProxyModel groups;
    };
    qint64 m_now = kStart;
    DeviceTableModel::Clock clock()
    {
        return [this] { return m_now; };
    }
};

void TestDeviceGroupProxyModel::init()
{
    m_now = kStart;
}

void TestDeviceGroupProxyModel::passesModelTester()
{
    Stack stack(clock());
    QAbstractItemModelTester tester(
        &stack.groups, QAbstractItemModelTester::FailureReportingMode::QtTest);
    stack.filter.sort(DeviceTableModel::Cpu, Qt::DescendingOrder);
    stack.groups.setGroupKey(QStringLiteral("location"));
    QList<DeviceOverview> rows;
    const QStringList places = {QStringLiteral("lab"), QStringLiteral("office"), QString()};
    for (int n = 0; n < 40; ++n) {
        const QString place = places.at(n % 3);
        rows.append(row(n, kStart, n * 2.5, place.isEmpty() ? LabelMap() : at(place)));
    }
    stack.model.applyRows(rows);
    stack.model.refresh();
    QCOMPARE(stack.groups.rowCount(), 3);

    // Values change and re-sort, new devices come, a label moves one, a
    // device goes, the search narrows, the key changes: each is checked.
    QItemSelectionModel selection(&stack.groups);
    selection.select(stack.groups.index(0, 0, stack.groups.index(1, 0)),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    for (int step = 1; step <= 3; ++step) {
        m_now += 1000;
        QList<DeviceOverview> update;
        for (int n = 0; n < 40 + step * 5; ++n) {
            const QString place = places.at(n % 3);
            update.append(row(n, m_now, std::fmod(n * 7.3 + step * 11, 100.0),
                place.isEmpty() ? LabelMap() : at(place)));
        }
        stack.model.applyRows(update);
        stack.model.refresh();
    }
    QCOMPARE(stack.model.rowCount(), 55);
    m_now += 6000;
    stack.model.setLabels(uuidOf(1), at(QStringLiteral("shed")));
    stack.model.refresh();
    QCOMPARE(stack.groups.rowCount(), 4);
    DeviceChangeResult gone;
    gone.status = DeviceChangeResult::Status::Done;
    gone.change.kind = DeviceChange::Kind::Delete;
    gone.change.uuid = uuidOf(1);
    stack.model.applyDeviceChange(gone);
    QCOMPARE(stack.groups.rowCount(), 3);
    stack.filter.setSearchText(QStringLiteral("host-1"));
    stack.filter.setSearchText(QStringLiteral("label:location=lab"));
    QCOMPARE(stack.groups.rowCount(), 1);
    stack.filter.setSearchText(QString());
    stack.groups.sort(DeviceTableModel::Hostname);
    stack.groups.setGroupKey(QStringLiteral("role"));
    QCOMPARE(stack.groups.rowCount(), 1); // "(no role)"
    stack.groups.setGroupKey(QString());
    QCOMPARE(stack.groups.rowCount(), 0);
}

void TestDeviceGroupProxyModel::countsPerGroup()
{
    Stack stack(clock());
    stack.model.setOfflineAfterSeconds(60);
    stack.filter.sort(DeviceTableModel::Hostname);
    stack.groups.setGroupKey(QStringLiteral("location"));
    // Lab: three, one silent for long; office: one; two without a location.
    stack.model.applyRows(
        {row(1, kStart, 5, at(QStringLiteral("lab"))), row(2, kStart, 5, at(QStringLiteral("lab"))),
            row(3, kStart - 600000, 5, at(QStringLiteral("lab"))),
            row(4, kStart, 5, at(QStringLiteral("office"))), row(5, kStart, 5, {}),
            row(6, kStart - 600000, 5, {{QStringLiteral("role"), QStringLiteral("gateway")}})});
    stack.model.refresh();
    stack.model.setFiring({{1, uuidOf(2), QStringLiteral("host-2: CPU"), Severity::Warning, kStart,
                               QStringLiteral("cpu_percent")},
        {2, uuidOf(2), QStringLiteral("host-2: Disk"), Severity::Critical, kStart,
            QStringLiteral("disk_percent")},
        {3, uuidOf(3), QStringLiteral("host-3: offline"), Severity::Critical, kStart,
            QStringLiteral("offline")}});
    QCOMPARE(headings(stack.groups),
        QStringList({QStringLiteral("location=lab — 3 devices: 2 online, 1 offline, 2 alerting"),
            QStringLiteral("location=office — 1 device: 1 online, 0 offline, 0 alerting"),
            QStringLiteral("(no location) — 2 devices: 1 online, 1 offline, 0 alerting")}));
    QCOMPARE(hostsIn(stack.groups, 0),
        QStringList(
            {QStringLiteral("host-1"), QStringLiteral("host-2"), QStringLiteral("host-3")}));
    QCOMPARE(hostsIn(stack.groups, 2),
        QStringList({QStringLiteral("host-5"), QStringLiteral("host-6")}));
    const DeviceGroupProxyModel::Counts lab = stack.groups.groupCounts(0);
    QCOMPARE(lab.devices, 3);
    QCOMPARE(lab.alerting, 2);
    bool has = true;
    QCOMPARE(stack.groups.groupValue(2, &has), QString());
    QVERIFY(!has);
    // A heading is no device: no uuid, not selectable; devices map through.
    const QModelIndex heading = stack.groups.index(0, 0);
    QVERIFY(stack.groups.isGroup(heading));
    QVERIFY(heading.data(DeviceTableModel::UuidRole).isNull());
    QVERIFY(!(stack.groups.flags(heading) & Qt::ItemIsSelectable));
    QCOMPARE(
        stack.groups.index(1, 0, heading).data(DeviceTableModel::UuidRole).toString(), uuidOf(2));
    QCOMPARE(stack.groups.headerData(DeviceTableModel::Cpu, Qt::Horizontal).toString(),
        QStringLiteral("CPU"));

    // Time passes: the office device goes offline too; the counts follow.
    m_now += 61000;
    stack.model.applyRows({row(1, m_now, 5, at(QStringLiteral("lab"))),
        row(2, m_now, 5, at(QStringLiteral("lab"))), row(5, m_now, 5, {})});
    stack.model.refresh();
    QCOMPARE(stack.groups.index(1, 0).data().toString(),
        QStringLiteral("location=office — 1 device: 0 online, 1 offline, 0 alerting"));
    stack.model.setFiring({});
    QCOMPARE(stack.groups.groupCounts(0).alerting, 0);
}

void TestDeviceGroupProxyModel::regroupsWhenLabelsChange()
{
    Stack stack(clock());
    QAbstractItemModelTester tester(
        &stack.groups, QAbstractItemModelTester::FailureReportingMode::QtTest);
    stack.filter.sort(DeviceTableModel::Hostname);
    stack.groups.setGroupKey(QStringLiteral("location"));
    stack.model.applyRows(
        {row(1, kStart, 5, at(QStringLiteral("lab"))), row(2, kStart, 5, at(QStringLiteral("lab"))),
            row(3, kStart, 5, at(QStringLiteral("office")))});
    stack.model.refresh();
    QCOMPARE(stack.groups.rowCount(), 2);
    // Selected, and the office group held as a persistent index (as a tree
    // holds its expanded groups).
    QItemSelectionModel selection(&stack.groups);
    const QModelIndex lab = stack.groups.index(0, 0);
    selection.select(stack.groups.index(1, 0, lab),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(
        selection.selectedRows().value(0).data(DeviceTableModel::UuidRole).toString(), uuidOf(2));
    const QPersistentModelIndex office(stack.groups.index(1, 0));
    QSignalSpy layouts(&stack.groups, &QAbstractItemModel::layoutChanged);

    // Alerting says host-2 moved to the office: it moves, still selected.
    stack.model.setLabels(uuidOf(2), at(QStringLiteral("office")));
    m_now += 250;
    stack.model.refresh();
    QVERIFY(layouts.count() >= 1);
    QCOMPARE(hostsIn(stack.groups, 0), QStringList({QStringLiteral("host-1")}));
    QCOMPARE(hostsIn(stack.groups, 1),
        QStringList({QStringLiteral("host-2"), QStringLiteral("host-3")}));
    QCOMPARE(selection.selectedRows().size(), 1);
    QCOMPARE(
        selection.selectedRows().first().data(DeviceTableModel::UuidRole).toString(), uuidOf(2));
    QCOMPARE(selection.selectedRows().first().parent().row(), 1);
    QVERIFY(office.isValid());
    QCOMPARE(office.row(), 1);

    // A new value makes a new group, in order; an emptied group goes.
    stack.model.setLabels(uuidOf(1), at(QStringLiteral("attic")));
    m_now += 250;
    stack.model.refresh();
    QCOMPARE(headings(stack.groups).value(0),
        QStringLiteral("location=attic — 1 device: 1 online, 0 offline, 0 alerting"));
    QCOMPARE(stack.groups.rowCount(), 2);
    QCOMPARE(office.row(), 1);
    stack.model.setLabels(uuidOf(1), {});
    m_now += 250;
    stack.model.refresh();
    QCOMPARE(stack.groups.rowCount(), 2);
    QVERIFY(headings(stack.groups).value(1).startsWith(QStringLiteral("(no location) — 1 device")));
    QCOMPARE(office.row(), 0);
}

void TestDeviceGroupProxyModel::searchAndSortWorkWithinGroups()
{
    Stack stack(clock());
    QAbstractItemModelTester tester(
        &stack.groups, QAbstractItemModelTester::FailureReportingMode::QtTest);
    stack.groups.setGroupKey(QStringLiteral("location"));
    QList<DeviceOverview> rows;
    for (int n = 0; n < 12; ++n) {
        LabelMap labels = at(n % 2 ? QStringLiteral("lab") : QStringLiteral("office"));
        if (n % 3 == 0)
            labels.insert(QStringLiteral("role"), QStringLiteral("gateway"));
        rows.append(row(n, kStart, (n * 37) % 100, labels));
    }
    stack.model.applyRows(rows);
    stack.model.refresh();
    // Sorting the grouped view sorts the devices within each group.
    stack.groups.sort(DeviceTableModel::Cpu, Qt::DescendingOrder);
    for (int g = 0; g < stack.groups.rowCount(); ++g) {
        const QModelIndex parent = stack.groups.index(g, 0);
        for (int r = 1; r < stack.groups.rowCount(parent); ++r) {
            QVERIFY(stack.groups.index(r - 1, DeviceTableModel::Cpu, parent)
                        .data(DeviceTableModel::SortRole)
                        .toDouble()
                >= stack.groups.index(r, DeviceTableModel::Cpu, parent)
                       .data(DeviceTableModel::SortRole)
                       .toDouble());
        }
    }
    // The search narrows the groups' devices, and their counts.
    stack.filter.setSearchText(QStringLiteral("label:role=gateway"));
    QCOMPARE(stack.groups.rowCount(), 2);
    QCOMPARE(stack.groups.groupCounts(0).devices + stack.groups.groupCounts(1).devices, 4);
    stack.filter.setSearchText(QStringLiteral("host-1 label:location=lab"));
    QCOMPARE(stack.groups.rowCount(), 1);
    QCOMPARE(hostsIn(stack.groups, 0),
        QStringList({QStringLiteral("host-1"), QStringLiteral("host-11")}));
    // Updates re-sort within groups without losing the search.
    m_now += 1000;
    stack.model.applyRows({row(1, m_now, 1, at(QStringLiteral("lab"))),
        row(11, m_now, 99, at(QStringLiteral("lab")))});
    stack.model.refresh();
    QCOMPARE(hostsIn(stack.groups, 0),
        QStringList({QStringLiteral("host-11"), QStringLiteral("host-1")}));
}

// A device the search hides is deleted, and another added, without a word
// from the filter: the groups still count the devices shown, by their rows
// as they are now (the deleted one's row was the last).
void TestDeviceGroupProxyModel::hiddenDevicesComeAndGo()
{
    Stack stack(clock());
    QAbstractItemModelTester tester(
        &stack.groups, QAbstractItemModelTester::FailureReportingMode::QtTest);
    stack.filter.sort(DeviceTableModel::Hostname);
    stack.groups.setGroupKey(QStringLiteral("location"));
    // The lab's devices report; the office's have been silent for an hour.
    QList<DeviceOverview> rows;
    for (int n = 0; n < 6; ++n) {
        rows.append(n % 2 ? row(n, kStart, n, at(QStringLiteral("lab")))
                          : row(n, kStart - 3600 * 1000, n, at(QStringLiteral("office"))));
    }
    stack.model.applyRows(rows);
    stack.model.refresh();
    stack.filter.setSearchText(QStringLiteral("label:location=lab"));
    QCOMPARE(stack.groups.rowCount(), 1);
    QCOMPARE(stack.groups.groupCounts(0).online, 3);

    // The first row goes, hidden: every lab device moves up a row.
    DeviceChangeResult deleted;
    deleted.status = DeviceChangeResult::Status::Done;
    deleted.change.kind = DeviceChange::Kind::Delete;
    deleted.change.uuid = uuidOf(0);
    stack.model.applyDeviceChange(deleted);
    m_now += 1000;
    stack.model.applyRows({row(1, m_now, 50, at(QStringLiteral("lab"))),
        row(5, m_now, 60, at(QStringLiteral("lab")))});
    stack.model.refresh();
    QCOMPARE(stack.model.rowCount(), 5);
    QCOMPARE(stack.groups.rowCount(), 1);
    QCOMPARE(stack.groups.groupCounts(0).devices, 3);
    QCOMPARE(stack.groups.groupCounts(0).online, 3);
    QCOMPARE(hostsIn(stack.groups, 0),
        QStringList(
            {QStringLiteral("host-1"), QStringLiteral("host-3"), QStringLiteral("host-5")}));
    // A hidden one comes, in the office.
    stack.model.applyRows({row(6, kStart - 3600 * 1000, 6, at(QStringLiteral("office")))});
    stack.model.refresh();
    QCOMPARE(stack.groups.groupCounts(0).online, 3);
    stack.filter.setSearchText(QString());
    QCOMPARE(stack.groups.groupCounts(0).devices + stack.groups.groupCounts(1).devices, 6);
}

// The devices' changes are announced once per refresh, at its end, under
// their groups; not at all when the refresh re-sorted (a layout change has
// views read everything), and soon after a change outside a refresh.
void TestDeviceGroupProxyModel::announcesChangedDevices()
{
    Stack stack(clock());
    QAbstractItemModelTester tester(
        &stack.groups, QAbstractItemModelTester::FailureReportingMode::QtTest);
    stack.filter.sort(DeviceTableModel::Hostname);
    stack.groups.setGroupKey(QStringLiteral("location"));
    QList<DeviceOverview> rows;
    for (int n = 0; n < 6; ++n)
        rows.append(
            row(n, kStart, n, at(n % 2 ? QStringLiteral("lab") : QStringLiteral("office"))));
    stack.model.applyRows(rows);
    stack.model.refresh();
    QSignalSpy changed(&stack.groups, &QAbstractItemModel::dataChanged);
    QSignalSpy layouts(&stack.groups, &QAbstractItemModel::layoutChanged);
    const auto deviceChanges = [&changed] {
        QList<QPair<int, int>> ranges; // group, rows
        for (const QList<QVariant> &args : std::as_const(changed)) {
            const auto from = args.at(0).value<QModelIndex>();
            const auto to = args.at(1).value<QModelIndex>();
            if (from.parent().isValid())
                ranges.append({from.parent().row(), to.row() - from.row() + 1});
        }
        return ranges;
    };
    // Sorted by name, new CPU values keep the order: the devices of both
    // groups are announced when refresh() returns.
    m_now += 1000;
    for (DeviceOverview &r : rows) {
        r.device.lastSeen = m_now;
        r.latestTs = m_now;
        r.system.cpuPercent += 10;
    }
    stack.model.applyRows(rows);
    stack.model.refresh();
    QCOMPARE(layouts.count(), 0);
    QCOMPARE(deviceChanges(), (QList<QPair<int, int>>({{0, 3}, {1, 3}})));
    QCOMPARE(
        stack.groups.index(0, DeviceTableModel::Cpu, stack.groups.index(0, 0)).data().toString(),
        QStringLiteral("11.0 %"));
    // Sorted by CPU, the refresh re-sorts: one layout change, nothing else.
    stack.groups.sort(DeviceTableModel::Cpu, Qt::DescendingOrder);
    changed.clear();
    layouts.clear();
    m_now += 1000;
    for (DeviceOverview &r : rows) {
        r.device.lastSeen = m_now;
        r.latestTs = m_now;
        r.system.cpuPercent += 1;
    }
    stack.model.applyRows(rows);
    stack.model.refresh();
    QCOMPARE(layouts.count(), 1);
    QVERIFY(deviceChanges().isEmpty());
    QCoreApplication::processEvents();
    QVERIFY(deviceChanges().isEmpty());
    // An alert fires between refreshes: the group's count at once, the cells soon.
    changed.clear();
    stack.model.setFiring({{1, uuidOf(1), QStringLiteral("host-1: CPU"), Severity::Warning, kStart,
        QStringLiteral("cpu_percent")}});
    QCOMPARE(stack.groups.groupCounts(0).alerting, 1);
    QVERIFY(deviceChanges().isEmpty());
    QTRY_COMPARE(deviceChanges(), (QList<QPair<int, int>>({{0, 3}, {1, 3}})));
}

// Without a key the proxy has no rows and rebuilds nothing, however busy
// the table underneath.
void TestDeviceGroupProxyModel::noGroupingCostsNothing()
{
    Stack stack(clock());
    stack.filter.sort(DeviceTableModel::Cpu);
    QList<DeviceOverview> rows;
    for (int n = 0; n < 50; ++n)
        rows.append(row(n, kStart, n, at(QStringLiteral("lab"))));
    stack.model.applyRows(rows);
    stack.model.refresh();
    const quint64 before = stack.groups.rebuilds();
    for (int step = 1; step <= 5; ++step) {
        m_now += 1000;
        for (DeviceOverview &r : rows) {
            r.device.lastSeen = m_now;
            r.latestTs = m_now;
            r.system.cpuPercent = std::fmod(r.system.cpuPercent * 3.1 + step, 100.0);
        }
        stack.model.applyRows(rows);
        stack.model.refresh();
    }
    QCOMPARE(stack.groups.rowCount(), 0);
    QCOMPARE(stack.groups.rebuilds(), before);
}

// A thousand devices in twenty groups, sorted by a live column, every value
// changing each refresh: the regrouping stays a small part of a refresh.
void TestDeviceGroupProxyModel::regroupsAThousandDevicesQuickly()
{
    Stack stack(clock());
    stack.filter.sort(DeviceTableModel::Cpu, Qt::DescendingOrder);
    stack.groups.setGroupKey(QStringLiteral("rack"));
    QList<DeviceOverview> rows;
    for (int n = 0; n < 1000; ++n)
        rows.append(
            row(n, kStart, n % 100, {{QStringLiteral("rack"), QStringLiteral("r%1").arg(n % 20)}}));
    stack.model.applyRows(rows);
    stack.model.refresh();
    QCOMPARE(stack.groups.rowCount(), 20);
    const quint64 rebuildsBefore = stack.groups.rebuilds();
    const qint64 nsBefore = stack.groups.rebuildNs();
    QElapsedTimer elapsed;
    elapsed.start();
    constexpr int kRefreshes = 20;
    for (int step = 1; step <= kRefreshes; ++step) {
        m_now += 1000;
        for (int n = 0; n < rows.size(); ++n) {
            rows[n].device.lastSeen = m_now;
            rows[n].latestTs = m_now;
            rows[n].system.cpuPercent = std::fmod(n * 7.3 + step * 13, 100.0);
        }
        stack.model.applyRows(rows);
        stack.model.refresh();
    }
    const double perRefresh = double(elapsed.nsecsElapsed()) / 1e6 / kRefreshes;
    const quint64 rebuilds = stack.groups.rebuilds() - rebuildsBefore;
    const double perRebuild
        = rebuilds ? double(stack.groups.rebuildNs() - nsBefore) / 1e6 / double(rebuilds) : 0;
    qInfo("1000 devices in 20 groups: %.2f ms per refresh (model, sort, grouping), %llu "
          "regroupings of %.2f ms each",
        perRefresh, qulonglong(rebuilds), perRebuild);
    QCOMPARE(rebuilds, quint64(kRefreshes)); // one per refresh: the re-sort
    QCOMPARE(stack.groups.groupCounts(0).devices, 50);
    // Generous: a busy CI machine, a debug build.
    QVERIFY2(perRebuild < 50, qPrintable(QString::number(perRebuild)));
}

QTEST_MAIN(TestDeviceGroupProxyModel)
#include "tst_devicegroupproxymodel.moc"
