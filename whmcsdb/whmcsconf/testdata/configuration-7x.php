<?php
$license = "WHMCS-77aa00bb";
$db_host = "db.internal.example:3307";
$db_username = "whmcs";
$db_password = "s3cret";
$db_name = "whmcs";
$cc_encryption_hash = "q8XbT2vLm9RwZc4YhN6pKj3sDf7GaE1uVo5BiC0tWxQyHnMr8LzSg2JdAe4FkUbP";
$templates_compiledir = "templates_c/";
$customadminpath = "backoffice";
$display_errors = false;
$api_access_key = 'k3y';
?>
