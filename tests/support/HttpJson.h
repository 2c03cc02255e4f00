// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPair>
#include <QSignalSpy>
#include <QSslConfiguration>

// An answer as a test reads it.
struct HttpResponse
{
    int status = 0; // 0: none came
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QJsonDocument json() const { return QJsonDocument::fromJson(body); }
};

// One request with a real HTTP client, with a JSON content type and the
// given headers. No cookie jar and no redirect followed: the test says
// what is sent and sees what is answered.
inline HttpResponse sendHttp(QNetworkAccessManager &http, const QByteArray &method, const QUrl &url,
    const QByteArray &body = {}, const QList<QPair<QByteArray, QByteArray>> &headers = {},
    const QSslConfiguration &ssl = QSslConfiguration::defaultConfiguration())
{
    QNetworkRequest request(url);
    request.setSslConfiguration(ssl);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(
        QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    for (const auto &[key, value] : headers)
        request.setRawHeader(key, value);
    QNetworkReply *reply = http.sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(20000);
    HttpResponse response;
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.body = reply->readAll();
    for (const auto &[key, value] : reply->rawHeaderPairs())
        response.headers.insert(key.toLower(), value);
    reply->deleteLater();
    return response;
}

// GET http://127.0.0.1:port + path with a real HTTP client: the JSON object
// of the answer (empty if it was none) and, in *status, its HTTP status.
inline QJsonObject getJson(
    QNetworkAccessManager &http, quint16 port, const QString &path, int *status)
{
    QNetworkReply *reply = http.get(
        QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path))));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(10000);
    *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return body;
}
