/// Task priorities as D8 had them: integers from 1 (low) to 10 (urgent), 5 by default.
public enum TaskPriority {
    public static let range = 1...10
    public static let `default` = 5
}
