/**
 * The benchmark's environment, set before any handler module loads (imported first by main.ts):
 * Powertools reads its settings when its logger and metrics are constructed, at import time. As
 * in the local home, no request log lines and no metric lines: the figures measure the work, not
 * writing to a terminal.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
