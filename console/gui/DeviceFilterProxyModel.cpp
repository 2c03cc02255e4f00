// SPDX-License-Identifier: MIT
#include "DeviceFilterProxyModel.h"

#include "DeviceTableModel.h"

DeviceFilterProxyModel::DeviceFilterProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(DeviceTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(true);
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
    return false;
}
