// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

class QLineEdit;
class QSettings;
class QSpinBox;

namespace dmr::console {

class ConsoleService;

// Ports, bind addresses, database and offline threshold. Saved with
// QSettings (SavedSettings); a new UDP port or address applies at once, the
// rest at the next start (the database and the HTTP server are opened once).
class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    SettingsDialog(ConsoleService *service, QSettings *settings, QWidget *parent = nullptr);

    // Saves, rebinds the UDP socket if it changed; false (and why) leaves it as it was.
    bool apply(QString *error);

    QSpinBox *udpPortBox() const { return m_udpPort; }
    QLineEdit *udpBindEdit() const { return m_udpBind; }
    QSpinBox *offlineAfterBox() const { return m_offlineAfter; }

public slots:
    void accept() override;

signals:
    void offlineAfterChanged(int seconds);

private:
    ConsoleService *m_service;
    QSettings *m_settings;
    QSpinBox *m_udpPort;
    QLineEdit *m_udpBind;
    QSpinBox *m_httpPort;
    QLineEdit *m_httpBind;
    QLineEdit *m_database;
    QSpinBox *m_offlineAfter;
};

} // namespace dmr::console
