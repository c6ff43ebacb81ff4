/**
 * The secret and verify token the mock and the example receiver share when none is given, so
 * that they work together out of the box. Printed by both; never use them for a real channel.
 */
export const DEMO_SECRET = 'whsec_d2ViaG9vay1jaGFubmVsLWRlbW8tc2VjcmV0LTAwMDE=';
export const DEMO_VERIFY_TOKEN = 'demo-verify-token';
