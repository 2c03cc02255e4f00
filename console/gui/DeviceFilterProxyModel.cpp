// SPDX-License-Identifier: MIT
#include "gui/DeviceFilterProxyModel.h"

#include "gui/DeviceTableModel.h"

namespace dmr::console {

DeviceFilterProxyModel::DeviceFilterProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(DeviceTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(false);
}

void DeviceFilterProxyModel::setSourceModel(QAbstractItemModel *model)
{
    if (auto *old = qobject_cast<DeviceTableModel *>(sourceModel()))
        disconnect(old, &DeviceTableModel::refreshed, this, &DeviceFilterProxyModel::resort);
    QSortFilterProxyModel::setSourceModel(model);
    m_devices = qobject_cast<DeviceTableModel *>(model);
    if (m_devices)
        connect(m_devices, &DeviceTableModel::refreshed, this, &DeviceFilterProxyModel::resort);
}

void DeviceFilterProxyModel::multiData(
    const QModelIndex &index, QModelRoleDataSpan roleDataSpan) const
{
    if (!sourceModel() || !index.isValid() || index.model() != this) {
        for (QModelRoleData &data : roleDataSpan)
            data.clearData();
        return;
    }
    sourceModel()->multiData(mapToSource(index), roleDataSpan);
}

void DeviceFilterProxyModel::resort()
{
    // New rows must pass the filter too. The search is on names only, and
    // sorted by name the order changes only with names: most refreshes need
    // neither.
    if (!m_text.isEmpty() && (!m_devices || m_devices->namesChanged()))
        invalidateFilter();
    if (sortColumn() >= 0 && (!m_devices || m_devices->orderMayHaveChanged(sortColumn())))
        sort(sortColumn(), sortOrder());
}

void DeviceFilterProxyModel::setSearchText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateFilter();
}

bool DeviceFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_text.isEmpty())
        return true;
    const QAbstractItemModel *model = sourceModel();
    for (int column :
        {DeviceTableModel::Hostname, DeviceTableModel::DeviceId, DeviceTableModel::Uuid}) {
        if (model->index(sourceRow, column, sourceParent)
                .data(Qt::DisplayRole)
                .toString()
                .contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    // The hostname too where a display name is shown instead.
    return model->index(sourceRow, DeviceTableModel::Hostname, sourceParent)
        .data(DeviceTableModel::HostnameRole)
        .toString()
        .contains(m_text, Qt::CaseInsensitive);
}

bool DeviceFilterProxyModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    if (m_devices) // called ~140,000 times per sort of 10,000 rows: no cast each time
        return m_devices->lessThan(left.row(), right.row(), left.column());
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace dmr::console
