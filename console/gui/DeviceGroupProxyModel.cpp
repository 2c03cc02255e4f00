// SPDX-License-Identifier: MIT
#include "gui/DeviceGroupProxyModel.h"

#include "gui/DeviceFilterProxyModel.h"
#include "gui/DeviceTableModel.h"

#include <QElapsedTimer>
#include <QFont>
#include <algorithm>
#include <climits>
#include <numeric>

namespace dmr::console {

// Index scheme: a group row's internal id is 0; a device row's is its
// group's row + 1, so that parent() needs no lookup.

DeviceGroupProxyModel::DeviceGroupProxyModel(QObject *parent)
    : QAbstractProxyModel(parent)
{ }

void DeviceGroupProxyModel::setSourceModel(QAbstractItemModel *model)
{
    for (const QMetaObject::Connection &connection : std::as_const(m_connections))
        disconnect(connection);
    m_connections.clear();
    beginResetModel();
    QAbstractProxyModel::setSourceModel(model);
    auto *filter = qobject_cast<DeviceFilterProxyModel *>(model);
    m_filter = qobject_cast<const QAbstractProxyModel *>(model);
    m_devices = qobject_cast<const DeviceTableModel *>(m_filter ? m_filter->sourceModel() : model);
    if (model) {
        const auto keep
            = [this](const QMetaObject::Connection &connection) { m_connections << connection; };
        using Model = QAbstractItemModel;
        using Self = DeviceGroupProxyModel;
        keep(connect(model, &Model::modelAboutToBeReset, this, [this] { beginResetModel(); }));
        keep(connect(model, &Model::modelReset, this, [this] {
            rebuild();
            endResetModel();
        }));
        // Moves, insertions and removals are layout changes here.
        keep(connect(model, &Model::layoutAboutToBeChanged, this, &Self::beginChange));
        keep(connect(model, &Model::layoutChanged, this, &Self::endChange));
        keep(connect(model, &Model::rowsAboutToBeInserted, this, &Self::beginChange));
        keep(connect(model, &Model::rowsInserted, this, &Self::endChange));
        keep(connect(model, &Model::rowsAboutToBeRemoved, this, &Self::beginChange));
        keep(connect(model, &Model::rowsRemoved, this, &Self::endChange));
        keep(connect(model, &Model::rowsAboutToBeMoved, this, &Self::beginChange));
        keep(connect(model, &Model::rowsMoved, this, &Self::endChange));
        keep(connect(model, &Model::dataChanged, this, &Self::sourceDataChanged));
        keep(connect(model, &Model::headerDataChanged, this, &Model::headerDataChanged));
        // The device table's columns are fixed; anything else starts afresh.
        for (const auto aboutTo :
            {&Model::columnsAboutToBeInserted, &Model::columnsAboutToBeRemoved})
            keep(connect(model, aboutTo, this, [this] { beginResetModel(); }));
        for (const auto done : {&Model::columnsInserted, &Model::columnsRemoved}) {
            keep(connect(model, done, this, [this] {
                rebuild();
                endResetModel();
            }));
        }
        if (m_devices) {
            // After the filter's re-sort, which connected to it first.
            keep(connect(m_devices, &DeviceTableModel::refreshed, this, &Self::flushDataChanged));
            if (filter) {
                // m_deviceOf holds the devices' rows: a device the search
                // hides can be added or removed without a word from the
                // filter, and the rows after it move.
                using Devices = DeviceTableModel;
                keep(connect(m_devices, &Devices::rowsAboutToBeInserted, this, &Self::beginChange));
                keep(connect(m_devices, &Devices::rowsInserted, this, &Self::endChange));
                keep(connect(m_devices, &Devices::rowsAboutToBeRemoved, this, &Self::beginChange));
                keep(connect(m_devices, &Devices::rowsRemoved, this, &Self::endChange));
            }
        }
        if (filter) {
            // One regrouping for a whole re-filter and re-sort.
            keep(connect(filter, &DeviceFilterProxyModel::updateAboutToStart, this, [this] {
                beginChange();
                m_batch = true;
            }));
            keep(connect(filter, &DeviceFilterProxyModel::updateFinished, this, [this] {
                m_batch = false;
                endChange();
            }));
        }
    }
    rebuild();
    endResetModel();
}

void DeviceGroupProxyModel::setGroupKey(const QString &key)
{
    if (key == m_key)
        return;
    beginResetModel();
    m_key = key;
    rebuild();
    endResetModel();
}

bool DeviceGroupProxyModel::isGroup(const QModelIndex &index) const
{
    return index.isValid() && index.model() == this && index.internalId() == 0;
}

QString DeviceGroupProxyModel::groupValue(int group, bool *has) const
{
    if (group < 0 || group >= int(m_groups.size()))
        return {};
    if (has)
        *has = m_groups[std::size_t(group)].has;
    return m_groups[std::size_t(group)].value;
}

DeviceGroupProxyModel::Counts DeviceGroupProxyModel::groupCounts(int group) const
{
    if (group < 0 || group >= int(m_groups.size()))
        return {};
    return m_groups[std::size_t(group)].counts;
}

int DeviceGroupProxyModel::deviceRow(int sourceRow) const
{
    return m_filter ? m_filter->mapToSource(m_filter->index(sourceRow, 0)).row() : sourceRow;
}

const QString *DeviceGroupProxyModel::valueOf(int row) const
{
    const QMap<QString, QString> &labels = m_devices->labelsAt(m_deviceOf[std::size_t(row)]);
    const auto it = labels.constFind(m_key);
    return it == labels.cend() ? nullptr : &*it;
}

void DeviceGroupProxyModel::rebuild()
{
    QElapsedTimer timer;
    timer.start();
    m_groups.clear();
    m_byValue.clear();
    m_noValue = -1;
    m_groupOf.clear();
    m_rowInGroup.clear();
    m_deviceOf.clear();
    clearDirty();
    m_columns = sourceModel() ? sourceModel()->columnCount() : 0;
    if (m_key.isEmpty() || !m_devices || !sourceModel())
        return;
    const int rows = sourceModel()->rowCount();
    m_groupOf.resize(std::size_t(rows));
    m_rowInGroup.resize(std::size_t(rows));
    m_deviceOf.resize(std::size_t(rows));
    std::vector<Group> groups;
    QHash<QString, int> byValue;
    int noValue = -1;
    for (int row = 0; row < rows; ++row) {
        const int device = deviceRow(row);
        m_deviceOf[std::size_t(row)] = device;
        const QMap<QString, QString> &labels = m_devices->labelsAt(device);
        const auto value = labels.constFind(m_key);
        int group = -1;
        if (value == labels.cend()) {
            if (noValue < 0) {
                noValue = int(groups.size());
                groups.emplace_back();
            }
            group = noValue;
        } else {
            const auto known = byValue.constFind(*value);
            if (known != byValue.cend()) {
                group = *known;
            } else {
                group = int(groups.size());
                byValue.insert(*value, group);
                Group added;
                added.has = true;
                added.value = *value;
                groups.push_back(std::move(added));
            }
        }
        Group &into = groups[std::size_t(group)];
        into.rows.push_back(row);
        const bool online = m_devices->onlineAt(device);
        ++into.counts.devices;
        into.counts.online += online ? 1 : 0;
        into.counts.offline += online ? 0 : 1;
        into.counts.alerting += m_devices->alertingAt(device) ? 1 : 0;
    }
    // Groups by value, any case first, "(no NAME)" last.
    std::vector<int> order(groups.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&groups](int a, int b) {
        const Group &left = groups[std::size_t(a)];
        const Group &right = groups[std::size_t(b)];
        if (left.has != right.has)
            return left.has;
        const int folded = left.value.compare(right.value, Qt::CaseInsensitive);
        return folded != 0 ? folded < 0 : left.value < right.value;
    });
    m_groups.reserve(groups.size());
    for (const int from : order)
        m_groups.push_back(std::move(groups[std::size_t(from)]));
    for (std::size_t group = 0; group < m_groups.size(); ++group) {
        const Group &g = m_groups[group];
        if (g.has)
            m_byValue.insert(g.value, int(group));
        else
            m_noValue = int(group);
        for (std::size_t at = 0; at < g.rows.size(); ++at) {
            m_groupOf[std::size_t(g.rows[at])] = int(group);
            m_rowInGroup[std::size_t(g.rows[at])] = int(at);
        }
    }
    ++m_rebuilds;
    m_rebuildNs += timer.nsecsElapsed();
}

void DeviceGroupProxyModel::recount()
{
    for (Group &group : m_groups) {
        Counts counts;
        for (const int row : group.rows) {
            const int device = m_deviceOf[std::size_t(row)];
            const bool online = m_devices->onlineAt(device);
            ++counts.devices;
            counts.online += online ? 1 : 0;
            counts.offline += online ? 0 : 1;
            counts.alerting += m_devices->alertingAt(device) ? 1 : 0;
        }
        group.counts = counts;
    }
}

int DeviceGroupProxyModel::groupIndex(bool has, const QString &value) const
{
    return has ? m_byValue.value(value, -1) : m_noValue;
}

void DeviceGroupProxyModel::beginChange()
{
    if (m_key.isEmpty() || m_changing)
        return;
    m_changing = true;
    emit layoutAboutToBeChanged();
    // After the signal: views and testers make their persistent indexes in it.
    m_savedFrom = persistentIndexList();
    m_saved.clear();
    m_saved.reserve(std::size_t(m_savedFrom.size()));
    for (const QModelIndex &index : std::as_const(m_savedFrom)) {
        Saved saved;
        saved.column = index.column();
        if (isGroup(index)) {
            saved.group = true;
            saved.has = m_groups[std::size_t(index.row())].has;
            saved.value = m_groups[std::size_t(index.row())].value;
        } else {
            saved.source = QPersistentModelIndex(mapToSource(index));
        }
        m_saved.push_back(std::move(saved));
    }
}

void DeviceGroupProxyModel::endChange()
{
    if (!m_changing || m_batch)
        return;
    rebuild();
    QModelIndexList to;
    to.reserve(m_savedFrom.size());
    for (const Saved &saved : m_saved) {
        if (saved.group) {
            const int group = groupIndex(saved.has, saved.value);
            to.append(group >= 0 ? index(group, saved.column) : QModelIndex());
        } else {
            to.append(mapFromSource(saved.source)); // invalid when filtered out or deleted
        }
    }
    changePersistentIndexList(m_savedFrom, to);
    // rebuild() dropped the changes not yet announced: the layout change
    // has views read everything again.
    m_savedFrom.clear();
    m_saved.clear();
    m_changing = false;
    emit layoutChanged();
}

void DeviceGroupProxyModel::sourceDataChanged(
    const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles)
{
    if (m_key.isEmpty() || m_changing || !m_devices || !topLeft.isValid()
        || topLeft.parent().isValid())
        return;
    const int first = topLeft.row();
    const int last = std::min(bottomRight.row(), int(m_groupOf.size()) - 1);
    // A device whose label changed moves to another group: regroup. Labels
    // change only in a refresh that says so.
    if (m_devices->labelsChanged()) {
        for (int row = first; row <= last; ++row) {
            const QString *value = valueOf(row);
            const Group &group = m_groups[std::size_t(m_groupOf[std::size_t(row)])];
            if ((value != nullptr) != group.has || (value && *value != group.value)) {
                beginChange();
                endChange();
                return;
            }
        }
    }
    // Otherwise the groups stay: their counts may change (a device went
    // offline, an alert fired), at once; the devices' cells at the flush.
    recount();
    for (std::size_t group = 0; group < m_groups.size(); ++group)
        emit dataChanged(index(int(group), 0), index(int(group), m_columns - 1));
    if (last < first)
        return;
    // Roles of different changes together: all of them.
    m_dirtyRoles = m_dirty && m_dirtyRoles != roles ? QList<int>() : roles;
    m_dirty = true;
    for (int row = first; row <= last; ++row) {
        Group &group = m_groups[std::size_t(m_groupOf[std::size_t(row)])];
        group.dirtyFrom = std::min(group.dirtyFrom, m_rowInGroup[std::size_t(row)]);
        group.dirtyTo = std::max(group.dirtyTo, m_rowInGroup[std::size_t(row)]);
    }
    m_dirtyColumnFrom = std::min(m_dirtyColumnFrom, topLeft.column());
    m_dirtyColumnTo = std::max(m_dirtyColumnTo, bottomRight.column());
    // The refresh's end flushes; a change outside a refresh (alerts fired)
    // is flushed when the event loop next runs.
    if (!m_flushQueued) {
        m_flushQueued = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_flushQueued = false;
                flushDataChanged();
            },
            Qt::QueuedConnection);
    }
}

void DeviceGroupProxyModel::flushDataChanged()
{
    if (!m_dirty)
        return;
    const int from = m_dirtyColumnFrom;
    const int to = m_dirtyColumnTo;
    const QList<int> roles = m_dirtyRoles;
    std::vector<std::pair<int, int>> ranges;
    ranges.reserve(m_groups.size());
    for (const Group &group : m_groups)
        ranges.emplace_back(group.dirtyFrom, group.dirtyTo);
    clearDirty();
    for (std::size_t group = 0; group < ranges.size(); ++group) {
        const auto [low, high] = ranges[group];
        if (high < 0)
            continue;
        const QModelIndex heading = index(int(group), 0);
        emit dataChanged(index(low, from, heading), index(high, to, heading), roles);
    }
}

void DeviceGroupProxyModel::clearDirty()
{
    for (Group &group : m_groups) {
        group.dirtyFrom = INT_MAX;
        group.dirtyTo = -1;
    }
    m_dirty = false;
    m_dirtyColumnFrom = INT_MAX;
    m_dirtyColumnTo = -1;
    m_dirtyRoles.clear();
}

QString DeviceGroupProxyModel::groupText(const Group &group) const
{
    const QString name
        = group.has ? m_key + QLatin1Char('=') + group.value : tr("(no %1)").arg(m_key);
    const int devices = group.counts.devices;
    return tr("%1 — %2: %3 online, %4 offline, %5 alerting")
        .arg(name, devices == 1 ? tr("1 device") : tr("%1 devices").arg(devices),
            QString::number(group.counts.online), QString::number(group.counts.offline),
            QString::number(group.counts.alerting));
}

QModelIndex DeviceGroupProxyModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= columnCount())
        return {};
    if (!parent.isValid())
        return row < int(m_groups.size()) ? createIndex(row, column, quintptr(0)) : QModelIndex();
    if (!isGroup(parent) || parent.column() != 0
        || row >= int(m_groups[std::size_t(parent.row())].rows.size()))
        return {};
    return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex DeviceGroupProxyModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    return createIndex(int(child.internalId() - 1), 0, quintptr(0));
}

int DeviceGroupProxyModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_groups.size());
    if (isGroup(parent) && parent.column() == 0)
        return int(m_groups[std::size_t(parent.row())].rows.size());
    return 0;
}

int DeviceGroupProxyModel::columnCount(const QModelIndex &) const
{
    return m_columns;
}

bool DeviceGroupProxyModel::hasChildren(const QModelIndex &parent) const
{
    return rowCount(parent) > 0;
}

QModelIndex DeviceGroupProxyModel::sibling(int row, int column, const QModelIndex &index) const
{
    if (!index.isValid())
        return {};
    return this->index(row, column, parent(index));
}

QModelIndex DeviceGroupProxyModel::mapToSource(const QModelIndex &proxyIndex) const
{
    if (!proxyIndex.isValid() || proxyIndex.internalId() == 0 || !sourceModel())
        return {};
    const std::size_t group = std::size_t(proxyIndex.internalId() - 1);
    if (group >= m_groups.size() || proxyIndex.row() >= int(m_groups[group].rows.size()))
        return {};
    return sourceModel()->index(
        m_groups[group].rows[std::size_t(proxyIndex.row())], proxyIndex.column());
}

QModelIndex DeviceGroupProxyModel::mapFromSource(const QModelIndex &sourceIndex) const
{
    if (!sourceIndex.isValid() || sourceIndex.model() != sourceModel()
        || sourceIndex.row() >= int(m_groupOf.size()))
        return {};
    const std::size_t row = std::size_t(sourceIndex.row());
    return createIndex(m_rowInGroup[row], sourceIndex.column(), quintptr(m_groupOf[row] + 1));
}

QVariant DeviceGroupProxyModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    if (!isGroup(index))
        return QAbstractProxyModel::data(index, role);
    if (index.column() != 0)
        return {};
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        return groupText(m_groups[std::size_t(index.row())]);
    case Qt::FontRole: {
        QFont font;
        font.setBold(true);
        return font;
    }
    default:
        return {};
    }
}

void DeviceGroupProxyModel::multiData(
    const QModelIndex &index, QModelRoleDataSpan roleDataSpan) const
{
    if (index.isValid() && !isGroup(index) && sourceModel()) {
        // One mapping per cell instead of one per role.
        sourceModel()->multiData(mapToSource(index), roleDataSpan);
        return;
    }
    for (QModelRoleData &data : roleDataSpan)
        data.setData(this->data(index, data.role()));
}

Qt::ItemFlags DeviceGroupProxyModel::flags(const QModelIndex &index) const
{
    if (isGroup(index))
        return Qt::ItemIsEnabled; // a heading: selections hold devices only
    return QAbstractProxyModel::flags(index);
}

QVariant DeviceGroupProxyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    // QAbstractProxyModel maps the section through row 0, a group here.
    if (orientation == Qt::Horizontal && sourceModel())
        return sourceModel()->headerData(section, orientation, role);
    return QAbstractItemModel::headerData(section, orientation, role);
}

QModelIndex DeviceGroupProxyModel::buddy(const QModelIndex &index) const
{
    return index;
}

void DeviceGroupProxyModel::sort(int column, Qt::SortOrder order)
{
    if (sourceModel())
        sourceModel()->sort(column, order);
}

} // namespace dmr::console
