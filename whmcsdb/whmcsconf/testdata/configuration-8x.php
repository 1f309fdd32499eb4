<?php
$license = 'WHMCS-3f9c2a7d1b8e';
$db_host = 'localhost';
$db_port = '';
$db_username = 'whmcs_app';
$db_password = 'Tr0ub4dor\\&3\'x';
$db_name = 'whmcs_prod';
$db_tls_ca = '';
$db_tls_ca_path = '';
$db_tls_cert = '';
$db_tls_cipher = '';
$db_tls_key = '';
$db_tls_verify_cert = '';
$cc_encryption_hash = 'q8XbT2vLm9RwZc4YhN6pKj3sDf7GaE1uVo5BiC0tWxQyHnMr8LzSg2JdAe4FkUbP';
$templates_compiledir = 'templates_c';
$mysql_charset = 'utf8';
