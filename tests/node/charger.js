#!/usr/bin/env node
// A charger built on npm's `ocpp-rpc` in strict mode: every call it sends and every
// answer it receives is validated against the official OCPP JSON schemas the package
// ships, and so is every call the central system sends it (an invalid one is refused
// with a CALLERROR before it reaches a handler). It boots, reports its connector, runs a
// transaction with meter values, then stays and answers the central system's calls,
// printing one line per call received (`CALL <action> <params as JSON>`), until "stop"
// on standard input ends the transaction and the process.
//
//   node charger.js --version 1.6 --url ws://127.0.0.1:9000/ocpp --identity CP --password P

'use strict';

const { RPCClient } = require('ocpp-rpc');
const readline = require('readline');

function arg(name, fallback) {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
}

const version = arg('version', '1.6');
const protocol = version === '1.6' ? 'ocpp1.6' : 'ocpp2.0.1';
const now = () => new Date().toISOString();

function fail(what) {
    process.stderr.write(`check failed: ${what}\n`);
    process.exit(1);
}

function check(cond, what) {
    if (!cond) fail(what);
}

const client = new RPCClient({
    endpoint: arg('url'),
    identity: arg('identity'),
    password: arg('password', null),
    protocols: [protocol],
    strictMode: true,
    reconnect: false,
    callTimeoutMs: 10000,
});

// What the charger answers to the central system's calls, per version.
const answers16 = {
    Reset: { status: 'Accepted' },
    UnlockConnector: { status: 'Unlocked' },
    ChangeAvailability: { status: 'Accepted' },
    ChangeConfiguration: { status: 'Accepted' },
    GetConfiguration: {
        configurationKey: [
            { key: 'HeartbeatInterval', readonly: false, value: '300' },
            { key: 'NumberOfConnectors', readonly: true, value: '1' },
        ],
        unknownKey: [],
    },
    ClearCache: { status: 'Accepted' },
    TriggerMessage: { status: 'Accepted' },
    DataTransfer: { status: 'Accepted', data: 'pong' },
    GetLocalListVersion: { listVersion: 0 },
    SendLocalList: { status: 'Accepted' },
    RemoteStopTransaction: { status: 'Accepted' },
    ClearChargingProfile: { status: 'Accepted' },
    SetChargingProfile: { status: 'Accepted' },
};
const answers201 = {
    Reset: { status: 'Accepted' },
    UnlockConnector: { status: 'Unlocked' },
    ChangeAvailability: { status: 'Accepted' },
    ClearCache: { status: 'Accepted' },
    TriggerMessage: { status: 'Accepted' },
    DataTransfer: { status: 'Accepted', data: 'pong' },
    GetLocalListVersion: { versionNumber: 0 },
    SendLocalList: { status: 'Accepted' },
    RequestStopTransaction: { status: 'Accepted' },
    ClearChargingProfile: { status: 'Accepted' },
    SetChargingProfile: { status: 'Accepted' },
};

function answerFor(method, params) {
    if (version !== '1.6' && method === 'SetVariables') {
        return {
            setVariableResult: params.setVariableData.map((d) => ({
                attributeStatus: 'Accepted',
                component: d.component,
                variable: d.variable,
            })),
        };
    }
    if (version !== '1.6' && method === 'GetVariables') {
        return {
            getVariableResult: params.getVariableData.map((d) => ({
                attributeStatus: 'Accepted',
                attributeValue: '300',
                component: d.component,
                variable: d.variable,
            })),
        };
    }
    const table = version === '1.6' ? answers16 : answers201;
    return table[method];
}

client.handle(({ method, params }) => {
    process.stdout.write(`CALL ${method} ${JSON.stringify(params)}\n`);
    const answer = answerFor(method, params);
    if (answer === undefined) {
        throw new Error(`no answer for ${method}`);
    }
    return answer;
});

async function run16() {
    const boot = await client.call('BootNotification', {
        chargePointVendor: 'NodeVendor',
        chargePointModel: 'RpcModel',
    });
    check(boot.status === 'Accepted', `boot ${JSON.stringify(boot)}`);
    await client.call('Heartbeat', {});
    const status = (s) =>
        client.call('StatusNotification', {
            connectorId: 1,
            errorCode: 'NoError',
            status: s,
            timestamp: now(),
        });
    await status('Available');
    const auth = await client.call('Authorize', { idTag: 'NODETAG' });
    check(auth.idTagInfo.status === 'Accepted', `authorize ${JSON.stringify(auth)}`);
    await status('Preparing');
    const start = await client.call('StartTransaction', {
        connectorId: 1,
        idTag: 'NODETAG',
        meterStart: 1000,
        timestamp: now(),
    });
    check(Number.isInteger(start.transactionId), `start ${JSON.stringify(start)}`);
    await status('Charging');
    await client.call('MeterValues', {
        connectorId: 1,
        transactionId: start.transactionId,
        meterValue: [
            {
                timestamp: now(),
                sampledValue: [
                    { value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
                    { value: '7200', measurand: 'Power.Active.Import', unit: 'W' },
                ],
            },
        ],
    });
    console.log(`READY ${start.transactionId}`);
    await stopped();
    const stop = await client.call('StopTransaction', {
        transactionId: start.transactionId,
        meterStop: 2500,
        timestamp: now(),
        reason: 'Local',
    });
    check(stop !== undefined, 'stop answered');
    await status('Available');
}

async function run201() {
    const boot = await client.call('BootNotification', {
        chargingStation: { vendorName: 'NodeVendor', model: 'RpcModel' },
        reason: 'PowerUp',
    });
    check(boot.status === 'Accepted', `boot ${JSON.stringify(boot)}`);
    await client.call('Heartbeat', {});
    const status = (s) =>
        client.call('StatusNotification', {
            timestamp: now(),
            connectorStatus: s,
            evseId: 1,
            connectorId: 1,
        });
    await status('Available');
    const idToken = { idToken: 'NODETAG', type: 'ISO14443' };
    const auth = await client.call('Authorize', { idToken });
    check(auth.idTokenInfo.status === 'Accepted', `authorize ${JSON.stringify(auth)}`);
    await status('Occupied');
    const tx = 'node-tx-1';
    const event = (eventType, seqNo, triggerReason, wh, extra) =>
        client.call('TransactionEvent', {
            eventType,
            timestamp: now(),
            triggerReason,
            seqNo,
            transactionInfo: { transactionId: tx, chargingState: 'Charging', ...extra },
            meterValue: [
                {
                    timestamp: now(),
                    sampledValue: [
                        { value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } },
                    ],
                },
            ],
            ...(eventType === 'Started' ? { idToken, evse: { id: 1, connectorId: 1 } } : {}),
        });
    const started = await event('Started', 0, 'Authorized', 1000, {});
    check(started.idTokenInfo?.status === 'Accepted', `started ${JSON.stringify(started)}`);
    await event('Updated', 1, 'MeterValuePeriodic', 1500, {});
    console.log(`READY ${tx}`);
    await stopped();
    await event('Ended', 2, 'StopAuthorized', 2500, { stoppedReason: 'Local' });
    await status('Available');
}

// Resolves when "stop" arrives on standard input (or it closes).
function stopped() {
    return new Promise((resolve) => {
        const lines = readline.createInterface({ input: process.stdin });
        lines.on('line', (l) => l.trim() === 'stop' && resolve());
        lines.on('close', resolve);
    });
}

(async () => {
    await client.connect();
    await (version === '1.6' ? run16() : run201());
    console.log('DONE');
    await client.close({ code: 1000 });
    process.exit(0);
})().catch((e) => fail(`${e.name}: ${e.message} ${JSON.stringify(e.details || {})}`));
