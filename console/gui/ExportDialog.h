// SPDX-License-Identifier: MIT
#pragma once

#include "gui/ExportRequest.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;

namespace dmr::console {

class DeviceTableModel;

// Asks what to export (the selected devices, or all; a range; metrics; CSV or
// JSON; where), then runs an Exporter on a worker thread behind a progress
// dialog that can cancel it.
class ExportDialog : public QDialog
{
    Q_OBJECT
public:
    ExportDialog(const QString &databasePath, const QStringList &uuids, DeviceTableModel *devices,
        QWidget *parent = nullptr);

    ExportRequest request() const;

public slots:
    void accept() override;

private:
    void browse();

    QString m_databasePath;
    QStringList m_uuids;
    QComboBox *m_range;
    QDateTimeEdit *m_from;
    QDateTimeEdit *m_to;
    QList<QCheckBox *> m_metrics;
    QCheckBox *m_network;
    QComboBox *m_resolution;
    QComboBox *m_format;
    QLineEdit *m_path;
};

} // namespace dmr::console
