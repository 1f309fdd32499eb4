<?php

return [
    'api_url'                           => 'https://api.openprovider.eu/',
    'api_url_cte'                       => 'https://api.cte.openprovider.eu/',
    'OpenproviderPremium'               => false, //  Default: false
    'require_op_dns_servers'            => true,  //  Default: true
    'syncUseNativeWHMCS'                => true,  //  Default: true
    'syncDomainStatus'                  => true,
    'syncAutoRenewSetting'              => true,
    'syncIdentityProtectionToggle'      => true,
    'syncExpiryDate'                    => true,
    'updateNextDueDate'                 => false, //  Default: false
    'nextDueDateOffset'                 => 14,
    'nextDueDateUpdateMaxDayDifference' => 100,
    'updateInterval'                    => 2,
    'domainProcessingLimit'             => 200,
    'sendEmptyActivityEmail'            => false,
    'renewTldsUponTransferCompletion'   => '',
    'useNewDnsManagerFeature'           => false,
    'dnsTemplate'                       => '',
];
