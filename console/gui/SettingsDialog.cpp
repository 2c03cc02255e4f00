// SPDX-License-Identifier: MIT
#include "gui/SettingsDialog.h"

#include "gui/SavedSettings.h"
#include "service/ConsoleService.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSpinBox>
#include <QVBoxLayout>

namespace dmr::console {

SettingsDialog::SettingsDialog(ConsoleService *service, QSettings *settings, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_settings(settings)
    , m_udpPort(new QSpinBox(this))
    , m_udpBind(new QLineEdit(this))
    , m_httpPort(new QSpinBox(this))
    , m_httpBind(new QLineEdit(this))
    , m_database(new QLineEdit(this))
    , m_offlineAfter(new QSpinBox(this))
{
    setWindowTitle(tr("Settings"));
    const ConsoleConfig &config = service->config();
    m_udpPort->setRange(0, 65535);
    m_udpPort->setValue(service->udpPort() ? service->udpPort() : config.udpPort);
    m_udpBind->setText(config.udpBind.toString());
    m_httpPort->setRange(0, 65535);
    m_httpPort->setValue(config.httpPort);
    m_httpBind->setText(config.httpBind.toString());
    m_database->setText(config.database);
    m_offlineAfter->setRange(1, 7 * 86400);
    m_offlineAfter->setSuffix(tr(" s"));
    m_offlineAfter->setValue(config.offlineAfterSeconds);

    auto *form = new QFormLayout;
    form->addRow(tr("UDP port for reports:"), m_udpPort);
    form->addRow(tr("UDP bind address:"), m_udpBind);
    form->addRow(tr("HTTP port:"), m_httpPort);
    form->addRow(tr("HTTP bind address:"), m_httpBind);
    form->addRow(tr("Database:"), m_database);
    form->addRow(tr("Offline after:"), m_offlineAfter);
    auto *note = new QLabel(tr("The UDP port and address and the offline threshold apply at once; "
                               "HTTP and the database at the next start. Command-line flags and "
                               "environment variables override what is saved here."),
        this);
    note->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(buttons);
}

bool SettingsDialog::apply(QString *error)
{
    const QHostAddress udpBind(m_udpBind->text().trimmed());
    const QHostAddress httpBind(m_httpBind->text().trimmed());
    if (udpBind.isNull() || httpBind.isNull()) {
        *error = tr("A bind address must be an IP address, such as 0.0.0.0 or ::.");
        return false;
    }
    const quint16 udpPort = quint16(m_udpPort->value());
    if (udpPort != m_service->udpPort() || udpBind != m_service->config().udpBind) {
        if (!m_service->rebindUdp(udpBind, udpPort, error))
            return false;
    }
    SavedSettings saved(m_settings);
    saved.setValue(QStringLiteral("METRICS_UDP_PORT"), QString::number(m_udpPort->value()));
    saved.setValue(QStringLiteral("METRICS_BIND"), udpBind.toString());
    saved.setValue(QStringLiteral("METRICS_HTTP_PORT"), QString::number(m_httpPort->value()));
    saved.setValue(QStringLiteral("METRICS_HTTP_BIND"), httpBind.toString());
    saved.setValue(QStringLiteral("METRICS_DB"), m_database->text().trimmed());
    saved.setValue(
        QStringLiteral("METRICS_OFFLINE_AFTER"), QString::number(m_offlineAfter->value()));
    m_settings->sync();
    emit offlineAfterChanged(m_offlineAfter->value());
    return true;
}

void SettingsDialog::accept()
{
    QString error;
    if (!apply(&error)) {
        QMessageBox::warning(this, windowTitle(), error);
        return;
    }
    QDialog::accept();
}

} // namespace dmr::console
