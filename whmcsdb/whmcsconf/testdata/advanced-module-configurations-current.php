<?php

// Work out whether premium domains are switched on in WHMCS; the module
// fills the setting below from it.
$__premium_raw = null;
if (class_exists('\WHMCS\Config\Setting')) {
    try {
        $__premium_raw = \WHMCS\Config\Setting::getValue('PremiumDomains');
    } catch (\Throwable $e) {
        $__premium_raw = null;
    }
}
$premiumOn = false;
if ($__premium_raw !== null) {
    $premiumOn = in_array(strtolower((string) $__premium_raw), ['1', 'on', 'true', 'yes'], true);
}

return [
    // API endpoints (live and sandbox)
    'api_url'                           => 'https://api.openprovider.eu',
    'restapi_url_sandbox'               => 'http://api.sandbox.openprovider.nl:8480',
    'xmlapi_url_sandbox'                => 'https://api.sandbox.openprovider.nl/',

# Premium support: computed above, do not edit by hand.
    'OpenproviderPremium'               => $premiumOn,
    'require_op_dns_servers'            => false,
    /* Comma separated TLDs ("nl,eu") renewed right after a transfer completes. */
    'renewTldsUponTransferCompletion'   => '',
    'dnsTemplate'                       => '',
    'useNewDnsManagerFeature'           => false, // use the registrar's DNS panel

    // which WHMCS-led settings the sync pushes
    'syncAutoRenewSetting'              => true,  // default: true
    'syncIdentityProtectionToggle'      => true,  // default: true

    // sync settings
    'syncUseNativeWHMCS'                => false, // default: true; use WHMCS's own sync
    'syncDomainStatus'                  => true,
    'syncExpiryDate'                    => true,
    'updateNextDueDate'                 => true,
    'nextDueDateOffset'                 => 7,     // days before expiry
    'nextDueDateUpdateMaxDayDifference' => 60,
    'updateInterval'                    => 3,     // hours between two syncs of a domain
    'domainProcessingLimit'             => 150,
    'sendEmptyActivityEmail'            => false,

    // TLDs that always get the trustee option, e.g. ["ba", "co.id"]
    'requestTrusteeService' => [],

    'maxRegistrationPeriod' => 1,

    'idnumbermod' => false,

    'renewalDateSync' =>true, // "renewal date" rather than "expiration date"

    // TLDs available in the sandbox
    'test_mode_tlds'=> ['com', 'net', 'nl', 'co.uk', 'xn--p1ai', 'eu',],
];
