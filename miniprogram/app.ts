/**
 * The mini-program's entry. Login is lazy: services/api.ts logs in on the first call that needs
 * a token, so opening the app to read disclosures needs no account.
 */
App({});
