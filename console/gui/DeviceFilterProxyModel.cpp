// SPDX-License-Identifier: MIT
#include "gui/DeviceFilterProxyModel.h"

#include "gui/DeviceTableModel.h"

#include <utility>

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
    // New rows must pass the filter too. The search is on names and labels
    // only, and sorted by name the order changes only with names: most
    // refreshes need neither.
    const bool refilter = !m_text.isEmpty()
        && (!m_devices || m_devices->namesChanged()
            || (!m_labels.isEmpty() && m_devices->labelsChanged()));
    const bool reorder
        = sortColumn() >= 0 && (!m_devices || m_devices->orderMayHaveChanged(sortColumn()));
    if (!refilter && !reorder)
        return;
    emit updateAboutToStart();
    if (refilter)
        invalidateFilter();
    if (reorder)
        sort(sortColumn(), sortOrder());
    emit updateFinished();
}

void DeviceFilterProxyModel::setSearchText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    m_labels.clear();
    // Words, a double-quoted stretch being part of its word.
    QStringList words;
    QString word;
    bool quoted = false;
    for (const QChar c : trimmed) {
        if (c == QLatin1Char('"'))
            quoted = !quoted;
        if (c.isSpace() && !quoted) {
            if (!word.isEmpty())
                words.append(std::exchange(word, {}));
        } else {
            word += c;
        }
    }
    if (!word.isEmpty())
        words.append(word);
    QStringList plain;
    for (const QString &w : std::as_const(words)) {
        if (!w.startsWith(QLatin1String("label:"), Qt::CaseInsensitive)) {
            plain.append(w);
            continue;
        }
        const QString term = w.mid(6);
        // As the REST API: name:value, or name=value. Names have neither.
        qsizetype at = term.indexOf(QLatin1Char(':'));
        const qsizetype equals = term.indexOf(QLatin1Char('='));
        if (at < 0 || (equals >= 0 && equals < at))
            at = equals;
        LabelTerm label;
        label.name = (at < 0 ? term : term.left(at)).trimmed();
        label.anyValue = at < 0;
        label.value = at < 0 ? QString() : term.mid(at + 1);
        label.value.remove(QLatin1Char('"'));
        // "label:" alone, half typed, narrows nothing yet.
        if (!label.name.isEmpty())
            m_labels.append(label);
    }
    m_freeText = plain.join(QLatin1Char(' '));
    emit updateAboutToStart();
    invalidateFilter();
    emit updateFinished();
}

QString DeviceFilterProxyModel::syntaxHelp()
{
    return tr("Searches the name, hostname, device ID and UUID.\n"
              "label:location=lab (or label:location:lab) shows only devices with that label,\n"
              "label:location those with the label at all; quote values with blanks:\n"
              "label:room=\"server room\". Combine freely: gw label:location=lab label:role=edge");
}

bool DeviceFilterProxyModel::labelsMatch(int sourceRow) const
{
    if (!m_devices)
        return false; // only the device table has labels
    const QMap<QString, QString> &labels = m_devices->labelsAt(sourceRow);
    for (const LabelTerm &term : m_labels) {
        bool found = false;
        for (auto it = labels.cbegin(); it != labels.cend() && !found; ++it) {
            found = it.key().compare(term.name, Qt::CaseInsensitive) == 0
                && (term.anyValue || it.value().compare(term.value, Qt::CaseInsensitive) == 0);
        }
        if (!found)
            return false;
    }
    return true;
}

bool DeviceFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_text.isEmpty())
        return true;
    if (!m_labels.isEmpty() && !labelsMatch(sourceRow))
        return false;
    if (m_freeText.isEmpty())
        return true;
    const QAbstractItemModel *model = sourceModel();
    for (int column :
        {DeviceTableModel::Hostname, DeviceTableModel::DeviceId, DeviceTableModel::Uuid}) {
        if (model->index(sourceRow, column, sourceParent)
                .data(Qt::DisplayRole)
                .toString()
                .contains(m_freeText, Qt::CaseInsensitive))
            return true;
    }
    // The hostname too where a display name is shown instead.
    return model->index(sourceRow, DeviceTableModel::Hostname, sourceParent)
        .data(DeviceTableModel::HostnameRole)
        .toString()
        .contains(m_freeText, Qt::CaseInsensitive);
}

bool DeviceFilterProxyModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    if (m_devices) // called ~140,000 times per sort of 10,000 rows: no cast each time
        return m_devices->lessThan(left.row(), right.row(), left.column());
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace dmr::console
