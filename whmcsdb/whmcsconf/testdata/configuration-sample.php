<?php
// Sample configuration: copy to configuration.php and fill in.
// This copy does nothing: the return below stops it.
return;

// Licence key
$license = '';

// Database
$db_host = '';
$db_port = '';
$db_username = '';
$db_password = '';
$db_name = '';

// Encrypted connections (optional)
$db_tls_ca = '';
$db_tls_verify_cert = '';

$mysql_charset = 'utf8';

// 64 characters, a-z A-Z 0-9
$cc_encryption_hash = '';
