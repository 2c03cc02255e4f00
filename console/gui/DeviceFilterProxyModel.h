// SPDX-License-Identifier: MIT
#pragma once

#include <QSortFilterProxyModel>

namespace dmr::console {

// The device table as the user narrows it: rows whose uuid, device_id or
// hostname contain the search text (any case), sorted on raw values.
// Words of the form label:NAME=VALUE (or NAME:VALUE, as the REST API's
// ?label= takes it) keep only devices with that label, label:NAME those
// with the label at all; the rest of the text is searched as before. Names
// and values compare in any case; a value with blanks goes in double quotes
// (label:room="server room"). Every label word must match.
// Sorting is not dynamic: when every row's CPU changes at once, Qt's dynamic
// sort moves rows one by one (700 ms for 10,000 devices); one full re-sort
// after each of the model's refreshes costs a fraction of that.
class DeviceTableModel;

class DeviceFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit DeviceFilterProxyModel(QObject *parent = nullptr);

    QString searchText() const { return m_text; }
    // What the search box's tool tip says about the syntax.
    static QString syntaxHelp();
    void setSourceModel(QAbstractItemModel *model) override;
    // One mapping per cell instead of one per role.
    void multiData(const QModelIndex &index, QModelRoleDataSpan roleDataSpan) const override;

signals:
    // Around each re-filter and re-sort this model makes (a search typed,
    // a refresh): the rows it removes, inserts and moves in between are
    // one change for a model above. DeviceGroupProxyModel regroups once,
    // rather than once for each range a filter removes.
    void updateAboutToStart();
    void updateFinished();

public slots:
    void setSearchText(const QString &text);
    // Sorts again by the current column, keeping the selection.
    void resort();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    struct LabelTerm
    {
        QString name;
        QString value;
        bool anyValue = false; // label:NAME
    };
    bool labelsMatch(int sourceRow) const;

    QString m_text;
    QString m_freeText; // m_text without its label words
    QList<LabelTerm> m_labels;
    const DeviceTableModel *m_devices = nullptr;
};

} // namespace dmr::console
