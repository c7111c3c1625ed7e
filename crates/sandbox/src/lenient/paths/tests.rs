use super::*;

fn matcher(rules: PathRules) -> PathMatcher {
    PathMatcher {
        rules,
        templates: [
            "/health",
            "/api/v0/transfers/downloads",
            "/api/v0/transfers/downloads/{username}",
        ]
        .map(str::to_owned)
        .to_vec(),
    }
}

#[test]
fn literals_take_the_template_spelling_and_parameters_keep_theirs() {
    let aspnet = matcher(PathRules::ASP_NET);
    assert_eq!(
        aspnet.canonical("/API/V0/Transfers/Downloads/Vinyl_Vault/"),
        Some("/api/v0/transfers/downloads/Vinyl_Vault".to_owned())
    );
    assert_eq!(
        aspnet.canonical("/api/v0/transfers/downloads/"),
        Some("/api/v0/transfers/downloads".to_owned())
    );
    assert_eq!(aspnet.canonical("/api/v0/transfers/downloads"), None);
    assert_eq!(aspnet.canonical("/api/v0/transfers/uploads/"), None);
    assert_eq!(aspnet.canonical("/"), None);
}

#[test]
fn case_stays_significant_where_the_service_says_so() {
    let strict_case = matcher(PathRules::TRAILING_SLASH);
    assert_eq!(strict_case.canonical("/Health/"), None);
    assert_eq!(
        strict_case.canonical("/health/"),
        Some("/health".to_owned())
    );
}
